from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_macros.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_summary = missing
    try:
        t_1 = environment.filters['readable_time']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'readable_time' found.")
    pass
    def macro(l_1_summary, l_1_title):
        t_2 = []
        if l_1_summary is missing:
            l_1_summary = undefined("parameter 'summary' was not provided", name='summary')
        if l_1_title is missing:
            l_1_title = undefined("parameter 'title' was not provided", name='title')
        pass
        t_2.extend((
            '<span class="runbook-summary-title">',
            escape(l_1_title),
            '</span>\n<span class="runbook-summary-total">',
            escape(environment.getattr(l_1_summary, 'total')),
            ' ',
            escape(('check' if (environment.getattr(l_1_summary, 'total') == 1) else 'checks')),
            '</span>\n',
        ))
        for (l_2_status, l_2_count) in environment.getattr(l_1_summary, 'counts'):
            _loop_vars = {}
            pass
            if (l_2_status in environment.getattr(l_1_summary, 'links')):
                pass
                t_2.extend((
                    '<a class="runbook-chip runbook-status-',
                    escape(l_2_status),
                    '" href="',
                    escape(environment.getitem(environment.getattr(l_1_summary, 'links'), l_2_status)),
                    '" title="first ',
                    escape(l_2_status),
                    ' check on this page">',
                    escape(l_2_count),
                    ' ',
                    escape(l_2_status),
                    '</a>\n',
                ))
            else:
                pass
                t_2.extend((
                    '<span class="runbook-chip runbook-status-',
                    escape(l_2_status),
                    '">',
                    escape(l_2_count),
                    ' ',
                    escape(l_2_status),
                    '</span>\n',
                ))
        l_2_status = l_2_count = missing
        if environment.getattr(l_1_summary, 'when'):
            pass
            t_2.extend((
                '<span class="runbook-summary-when">checked <time class="runbook-time" datetime="',
                escape(environment.getattr(l_1_summary, 'when')),
                '">',
                escape(t_1(environment.getattr(l_1_summary, 'when'))),
                '</time></span>\n',
            ))
        if environment.getattr(l_1_summary, 'env'):
            pass
            t_2.extend((
                '<span class="runbook-env">env: ',
                escape(environment.getattr(l_1_summary, 'env')),
                '</span>\n',
            ))
        if environment.getattr(l_1_summary, 'zones'):
            pass
            t_2.append(
                '<span class="runbook-summary-zones">',
            )
            l_2_loop = missing
            for (l_2_zone, l_2_counts), l_2_loop in LoopContext(environment.getattr(l_1_summary, 'zones'), undefined):
                _loop_vars = {}
                pass
                t_2.extend((
                    '<span class="runbook-summary-zone"><span class="runbook-zone">zone: ',
                    escape(l_2_zone),
                    '</span>',
                ))
                for (l_3_status, l_3_count) in l_2_counts:
                    _loop_vars = {}
                    pass
                    t_2.extend((
                        ' <span class="runbook-status-',
                        escape(l_3_status),
                        '">',
                        escape(l_3_count),
                        ' ',
                        escape(l_3_status),
                        '</span>',
                    ))
                l_3_status = l_3_count = missing
                t_2.append(
                    '</span>',
                )
                if (not environment.getattr(l_2_loop, 'last')):
                    pass
                    t_2.append(
                        ' · ',
                    )
            l_2_loop = l_2_zone = l_2_counts = missing
            t_2.append(
                '</span>\n',
            )
        return concat(t_2)
    context.exported_vars.add('summary')
    context.vars['summary'] = l_0_summary = Macro(environment, macro, 'summary', ('summary', 'title'), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '3=18&4=27&5=29&6=34&7=37&8=41&10=56&13=64&14=68&16=73&17=77&19=80&20=86'
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_history.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_marks = l_0_last_passed = l_0_check_history = l_0_verified = missing
    try:
        t_1 = environment.filters['readable_time']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'readable_time' found.")
    pass
    def macro(l_1_history):
        t_2 = []
        if l_1_history is missing:
            l_1_history = undefined("parameter 'history' was not provided", name='history')
        pass
        t_2.append(
            '<span class="runbook-marks">',
        )
        for l_2_mark in environment.getattr(l_1_history, 'marks'):
            _loop_vars = {}
            pass
            t_2.extend((
                '<span class="runbook-mark runbook-status-',
                escape(environment.getattr(l_2_mark, 'status')),
                '" role="img" aria-label="',
                escape(environment.getattr(l_2_mark, 'status')),
                ' ',
                escape(t_1(environment.getattr(l_2_mark, 'checked_at'))),
                '" title="',
                escape(environment.getattr(l_2_mark, 'status')),
                ' · ',
                escape(t_1(environment.getattr(l_2_mark, 'checked_at'))),
                '">',
                escape(environment.getattr(l_2_mark, 'symbol')),
                '</span>',
            ))
        l_2_mark = missing
        t_2.append(
            '</span>',
        )
        return concat(t_2)
    context.exported_vars.add('marks')
    context.vars['marks'] = l_0_marks = Macro(environment, macro, 'marks', ('history',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_history):
        t_3 = []
        if l_1_history is missing:
            l_1_history = undefined("parameter 'history' was not provided", name='history')
        pass
        if environment.getattr(l_1_history, 'last_passed_at'):
            pass
            t_3.extend((
                '<span class="runbook-last-passed">last passed <time class="runbook-time" datetime="',
                escape(environment.getattr(l_1_history, 'last_passed_at')),
                '" title="',
                escape(t_1(environment.getattr(l_1_history, 'last_passed_at'))),
                '">',
                escape(environment.getattr(l_1_history, 'last_passed_ago')),
                '</time></span>\n',
            ))
        else:
            pass
            t_3.append(
                '<span class="runbook-last-passed runbook-never-passed">never passed</span>\n',
            )
        return concat(t_3)
    context.exported_vars.add('last_passed')
    context.vars['last_passed'] = l_0_last_passed = Macro(environment, macro, 'last_passed', ('history',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_history):
        t_4 = []
        if l_1_history is missing:
            l_1_history = undefined("parameter 'history' was not provided", name='history')
        pass
        t_4.extend((
            '<div class="runbook-history">\n',
            escape(context.call((undefined(name='marks') if l_0_marks is missing else l_0_marks), l_1_history)),
            '\n',
        ))
        if (not environment.getattr(l_1_history, 'passing_now')):
            pass
            t_4.extend((
                escape(context.call((undefined(name='last_passed') if l_0_last_passed is missing else l_0_last_passed), l_1_history)),
                '\n',
            ))
        t_4.extend((
            '<span class="runbook-share">passed ',
            escape(environment.getitem(environment.getattr(l_1_history, 'uptime_detail'), '30d')),
            ' in 30 days</span>\n',
        ))
        if environment.getattr(l_1_history, 'flapping'):
            pass
            t_4.append(
                '<span class="runbook-flag runbook-flag-flapping">flapping</span>\n',
            )
        t_4.append(
            '</div>',
        )
        return concat(t_4)
    context.exported_vars.add('check_history')
    context.vars['check_history'] = l_0_check_history = Macro(environment, macro, 'check_history', ('history',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_verified_at, l_1_verified_ago):
        t_5 = []
        if l_1_verified_at is missing:
            l_1_verified_at = undefined("parameter 'verified_at' was not provided", name='verified_at')
        if l_1_verified_ago is missing:
            l_1_verified_ago = undefined("parameter 'verified_ago' was not provided", name='verified_ago')
        pass
        if l_1_verified_at:
            pass
            t_5.extend((
                '<span class="runbook-verified">last fully verified <time class="runbook-time" datetime="',
                escape(l_1_verified_at),
                '" title="',
                escape(t_1(l_1_verified_at)),
                '">',
                escape(l_1_verified_ago),
                '</time></span>\n',
            ))
        else:
            pass
            t_5.append(
                '<span class="runbook-verified runbook-never-verified">never fully verified</span>\n',
            )
        return concat(t_5)
    context.exported_vars.add('verified')
    context.vars['verified'] = l_0_verified = Macro(environment, macro, 'verified', ('verified_at', 'verified_ago'), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '2=18&3=26&5=51&6=56&7=60&12=75&14=82&15=85&16=88&18=93&19=96&24=107&25=114&26=118'
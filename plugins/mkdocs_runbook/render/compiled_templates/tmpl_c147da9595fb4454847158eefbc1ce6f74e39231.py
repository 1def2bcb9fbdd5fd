from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'alerts_table.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_rows = resolve('rows')
    try:
        t_1 = environment.filters['printable']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'printable' found.")
    try:
        t_2 = environment.filters['truncate']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'truncate' found.")
    pass
    yield '<div class="runbook-alerts-status">\n<h2 id="runbook-alerts">Alerts and their runbooks</h2>\n'
    if (undefined(name='rows') if l_0_rows is missing else l_0_rows):
        pass
        yield '<table class="runbook-table runbook-alerts-table">\n<thead><tr><th>State</th><th>Alert</th><th>Runbook</th><th>Rule</th></tr></thead>\n<tbody>\n'
        for l_1_row in (undefined(name='rows') if l_0_rows is missing else l_0_rows):
            _loop_vars = {}
            pass
            yield '<tr class="runbook-row runbook-alert-row-'
            yield escape(environment.getattr(l_1_row, 'problem_class'))
            yield '">\n<td><span class="runbook-chip runbook-problem runbook-problem-'
            yield escape(environment.getattr(l_1_row, 'problem_class'))
            yield '">'
            yield escape(environment.getattr(l_1_row, 'problem'))
            yield '</span></td>\n<td>'
            yield escape(t_1(environment.getattr(l_1_row, 'name')))
            if environment.getattr(l_1_row, 'severity'):
                pass
                yield ' <span class="runbook-chip runbook-alert-severity runbook-alert-severity-'
                yield escape(environment.getattr(l_1_row, 'severity_class'))
                yield '">'
                yield escape(t_1(environment.getattr(l_1_row, 'severity')))
                yield '</span>'
            yield '</td>\n<td>'
            if environment.getattr(l_1_row, 'href'):
                pass
                yield '<a href="'
                yield escape(environment.getattr(l_1_row, 'href'))
                yield '">'
                yield escape(t_1(environment.getattr(l_1_row, 'runbook')))
                yield '</a>'
            elif environment.getattr(l_1_row, 'runbook_url'):
                pass
                yield '<code class="runbook-alert-url">'
                yield escape(t_1(environment.getattr(l_1_row, 'runbook_url')))
                yield '</code>'
            else:
                pass
                yield '—'
            if (environment.getattr(l_1_row, 'problem') != 'ok'):
                pass
                yield '<br><span class="runbook-row-message">'
                yield escape(t_2(environment, t_1(environment.getattr(l_1_row, 'message')), 300))
                yield '</span>'
            yield '</td>\n<td><code class="runbook-alert-rule">'
            yield escape(t_1(environment.getattr(l_1_row, 'location')))
            yield '</code></td>\n</tr>\n'
        l_1_row = missing
        yield '</tbody>\n</table>\n'
    else:
        pass
        yield '<p class="runbook-empty">No alerts in the rule files.</p>\n'
    yield '</div>'

blocks = {}
debug_info = '3=25&7=28&8=32&9=34&10=38&11=47&12=68'
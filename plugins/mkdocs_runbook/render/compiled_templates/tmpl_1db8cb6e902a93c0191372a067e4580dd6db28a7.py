from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'status_page.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_summary_line = resolve('summary_line')
    l_0_summary = resolve('summary')
    l_0_rows = resolve('rows')
    l_0_history_on = resolve('history_on')
    l_0_page_rows = resolve('page_rows')
    try:
        t_1 = environment.filters['printable']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'printable' found.")
    try:
        t_2 = environment.filters['readable_time']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'readable_time' found.")
    try:
        t_3 = environment.filters['truncate']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'truncate' found.")
    pass
    yield '<div class="runbook-statuspage">\n<div class="runbook-summary">\n'
    yield escape(context.call((undefined(name='summary_line') if l_0_summary_line is missing else l_0_summary_line), (undefined(name='summary') if l_0_summary is missing else l_0_summary), 'All checks'))
    yield '\n</div>\n'
    if (undefined(name='rows') if l_0_rows is missing else l_0_rows):
        pass
        yield '<table class="runbook-table runbook-statuspage-table">\n<thead><tr><th>Status</th><th>Check</th><th>Page</th><th>Value</th><th>Checked</th>'
        if (undefined(name='history_on') if l_0_history_on is missing else l_0_history_on):
            pass
            yield '<th>Uptime 24 h</th><th>7 d</th><th>30 d</th><th>Last passed</th>'
        yield '</tr></thead>\n<tbody>\n'
        for (l_1_result, l_1_link, l_1_history) in (undefined(name='rows') if l_0_rows is missing else l_0_rows):
            l_1_zoned = resolve('zoned')
            l_1_last_passed = resolve('last_passed')
            _loop_vars = {}
            pass
            yield '<tr class="runbook-row runbook-row-'
            yield escape(environment.getattr(environment.getattr(l_1_result, 'status'), 'value'))
            yield '">\n<td><span class="runbook-chip runbook-status-'
            yield escape(environment.getattr(environment.getattr(l_1_result, 'status'), 'value'))
            yield '">'
            yield escape(environment.getattr(environment.getattr(l_1_result, 'status'), 'value'))
            yield '</span>'
            if (l_1_history and environment.getattr(l_1_history, 'flapping')):
                pass
                yield ' <span class="runbook-flag runbook-flag-flapping">flapping</span>'
            yield '</td>\n<td><a href="'
            yield escape(l_1_link)
            yield '">'
            yield escape(t_1(environment.getattr(l_1_result, 'name')))
            yield '</a>'
            if (undefined(name='zoned') if l_1_zoned is missing else l_1_zoned):
                pass
                yield ' <span class="runbook-zone">zone: '
                yield escape(environment.getattr(l_1_result, 'zone'))
                yield '</span>'
            if ((environment.getattr(environment.getattr(l_1_result, 'status'), 'value') != 'pass') and environment.getattr(l_1_result, 'message')):
                pass
                yield '<br><span class="runbook-row-message">'
                yield escape(t_3(environment, t_1(environment.getattr(l_1_result, 'message')), 200))
                yield '</span>'
            yield '</td>\n<td><code>'
            yield escape(environment.getattr(l_1_result, 'page'))
            yield '</code></td>\n<td>'
            yield escape(t_1(environment.getattr(l_1_result, 'value')))
            yield '</td>\n<td>'
            if environment.getattr(l_1_result, 'checked_at'):
                pass
                yield '<time class="runbook-time" datetime="'
                yield escape(environment.getattr(l_1_result, 'checked_at'))
                yield '">'
                yield escape(t_2(environment.getattr(l_1_result, 'checked_at')))
                yield '</time>'
            yield '</td>\n'
            if (undefined(name='history_on') if l_0_history_on is missing else l_0_history_on):
                pass
                if l_1_history:
                    pass
                    for l_2_window in ('24h', '7d', '30d'):
                        _loop_vars = {}
                        pass
                        yield '<td class="runbook-uptime" title="'
                        yield escape(environment.getitem(environment.getattr(l_1_history, 'uptime_detail'), l_2_window))
                        yield '">'
                        yield escape(environment.getitem(environment.getattr(l_1_history, 'uptime'), l_2_window))
                        yield '</td>\n'
                    l_2_window = missing
                    yield '<td>'
                    if environment.getattr(l_1_history, 'passing_now'):
                        pass
                        yield '<span class="runbook-last-passed">now</span>'
                    else:
                        pass
                        yield escape(context.call((undefined(name='last_passed') if l_1_last_passed is missing else l_1_last_passed), l_1_history, _loop_vars=_loop_vars))
                    yield '</td>\n'
                else:
                    pass
                    yield '<td class="runbook-uptime">—</td><td class="runbook-uptime">—</td><td class="runbook-uptime">—</td><td>—</td>\n'
            yield '</tr>\n'
        l_1_result = l_1_link = l_1_history = l_1_zoned = l_1_last_passed = missing
        yield '</tbody>\n</table>\n'
    else:
        pass
        yield '<p class="runbook-empty">No checks found in this site.</p>\n'
    if (undefined(name='page_rows') if l_0_page_rows is missing else l_0_page_rows):
        pass
        yield '<h2 id="runbook-pages-by-owner">Pages by owner</h2>\n<table class="runbook-table runbook-pages-table">\n<thead><tr><th>Last fully verified</th><th>Page</th><th>Owner</th></tr></thead>\n<tbody>\n'
        for l_1_row in (undefined(name='page_rows') if l_0_page_rows is missing else l_0_page_rows):
            l_1_verified = resolve('verified')
            _loop_vars = {}
            pass
            yield '<tr class="runbook-row">\n<td>'
            yield escape(context.call((undefined(name='verified') if l_1_verified is missing else l_1_verified), environment.getattr(l_1_row, 'last_verified_at'), environment.getattr(l_1_row, 'last_verified_ago'), _loop_vars=_loop_vars))
            yield '</td>\n<td><a href="'
            yield escape(environment.getattr(l_1_row, 'link'))
            yield '"><code>'
            yield escape(environment.getattr(l_1_row, 'page'))
            yield '</code></a></td>\n<td>'
            if environment.getattr(l_1_row, 'owner'):
                pass
                yield '<span class="runbook-owner">'
                yield escape(environment.getattr(l_1_row, 'owner'))
                yield '</span>'
            else:
                pass
                yield '—'
            yield '</td>\n</tr>\n'
        l_1_row = l_1_verified = missing
        yield '</tbody>\n</table>\n'
    yield '</div>'

blocks = {}
debug_info = '3=35&5=37&7=40&9=44&10=50&11=52&12=60&13=75&14=77&15=79&16=87&17=89&18=91&19=95&21=101&33=117&38=120&40=125&41=127&42=131'
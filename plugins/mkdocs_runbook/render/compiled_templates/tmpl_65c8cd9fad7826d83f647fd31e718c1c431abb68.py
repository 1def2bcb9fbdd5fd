from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'page_summary.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_summary_line = resolve('summary_line')
    l_0_summary = resolve('summary')
    l_0_history_on = resolve('history_on')
    l_0_verified = resolve('verified')
    l_0_verified_at = resolve('verified_at')
    l_0_verified_ago = resolve('verified_ago')
    l_0_owner = resolve('owner')
    l_0_status_page_url = resolve('status_page_url')
    pass
    yield '<div class="runbook-summary">\n'
    yield escape(context.call((undefined(name='summary_line') if l_0_summary_line is missing else l_0_summary_line), (undefined(name='summary') if l_0_summary is missing else l_0_summary), 'Checks on this page'))
    yield '\n'
    if (undefined(name='history_on') if l_0_history_on is missing else l_0_history_on):
        pass
        yield escape(context.call((undefined(name='verified') if l_0_verified is missing else l_0_verified), (undefined(name='verified_at') if l_0_verified_at is missing else l_0_verified_at), (undefined(name='verified_ago') if l_0_verified_ago is missing else l_0_verified_ago)))
        yield '\n'
    if (undefined(name='owner') if l_0_owner is missing else l_0_owner):
        pass
        yield '<span class="runbook-owner">owner: '
        yield escape((undefined(name='owner') if l_0_owner is missing else l_0_owner))
        yield '</span>\n'
    if (undefined(name='status_page_url') if l_0_status_page_url is missing else l_0_status_page_url):
        pass
        yield '<a class="runbook-summary-link" href="'
        yield escape((undefined(name='status_page_url') if l_0_status_page_url is missing else l_0_status_page_url))
        yield '">All checks</a>\n'
    yield '</div>'

blocks = {}
debug_info = '2=20&3=22&4=24&6=26&7=29&9=31&10=34'
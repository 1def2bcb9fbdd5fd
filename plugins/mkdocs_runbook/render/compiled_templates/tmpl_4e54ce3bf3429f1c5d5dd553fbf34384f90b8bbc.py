from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'alert_links.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_links = resolve('links')
    try:
        t_1 = environment.filters['printable']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'printable' found.")
    pass
    yield '<div class="runbook-alerts">\n<p class="runbook-alerts-title">Alerts that link here</p>\n<ul class="runbook-alerts-list">\n'
    for l_1_link in (undefined(name='links') if l_0_links is missing else l_0_links):
        _loop_vars = {}
        pass
        yield '<li class="runbook-alert">\n'
        if (environment.getattr(l_1_link, 'anchor') and environment.getattr(l_1_link, 'anchor_found')):
            pass
            yield '<a class="runbook-alert-name" href="#'
            yield escape(environment.getattr(l_1_link, 'anchor'))
            yield '">'
            yield escape(t_1(environment.getattr(l_1_link, 'name')))
            yield '</a>\n'
        else:
            pass
            yield '<span class="runbook-alert-name">'
            yield escape(t_1(environment.getattr(l_1_link, 'name')))
            yield '</span>\n'
        if environment.getattr(l_1_link, 'severity'):
            pass
            yield '<span class="runbook-chip runbook-alert-severity runbook-alert-severity-'
            yield escape(environment.getattr(l_1_link, 'severity_class'))
            yield '">'
            yield escape(t_1(environment.getattr(l_1_link, 'severity')))
            yield '</span>\n'
        if (environment.getattr(l_1_link, 'anchor') and (not environment.getattr(l_1_link, 'anchor_found'))):
            pass
            yield '<span class="runbook-alert-note">links to #'
            yield escape(t_1(environment.getattr(l_1_link, 'anchor')))
            yield ', which this page does not have</span>\n'
        elif (not environment.getattr(l_1_link, 'anchor')):
            pass
            yield '<span class="runbook-alert-note">links to this page</span>\n'
        yield '</li>\n'
    l_1_link = missing
    yield '</ul>\n</div>'

blocks = {}
debug_info = '4=19&6=23&7=26&9=33&11=35&12=38&14=42&15=45&16=47'
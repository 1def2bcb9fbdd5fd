from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_history.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_last_passed = l_0_verified = missing
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
        if environment.getattr(l_1_history, 'last_passed_at'):
            pass
            t_2.extend((
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
            t_2.append(
                '<span class="runbook-last-passed runbook-never-passed">never passed</span>\n',
            )
        return concat(t_2)
    context.exported_vars.add('last_passed')
    context.vars['last_passed'] = l_0_last_passed = Macro(environment, macro, 'last_passed', ('history',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_verified_at, l_1_verified_ago):
        t_3 = []
        if l_1_verified_at is missing:
            l_1_verified_at = undefined("parameter 'verified_at' was not provided", name='verified_at')
        if l_1_verified_ago is missing:
            l_1_verified_ago = undefined("parameter 'verified_ago' was not provided", name='verified_ago')
        pass
        if l_1_verified_at:
            pass
            t_3.extend((
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
            t_3.append(
                '<span class="runbook-verified runbook-never-verified">never fully verified</span>\n',
            )
        return concat(t_3)
    context.exported_vars.add('verified')
    context.vars['verified'] = l_0_verified = Macro(environment, macro, 'verified', ('verified_at', 'verified_ago'), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '3=18&4=23&5=27&10=42&11=49&12=53'
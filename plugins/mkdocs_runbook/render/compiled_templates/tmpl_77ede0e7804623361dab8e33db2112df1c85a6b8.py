from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'check.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_status = resolve('status')
    l_0_anchor = resolve('anchor')
    l_0_result = resolve('result')
    l_0_symbols = resolve('symbols')
    l_0_badge_text = resolve('badge_text')
    l_0_time = resolve('time')
    l_0_zone = resolve('zone')
    l_0_stale = resolve('stale')
    l_0_history = resolve('history')
    l_0_check_history = resolve('check_history')
    l_0_fold_source = resolve('fold_source')
    l_0_source_html = resolve('source_html')
    l_0_material_types = resolve('material_types')
    l_0_expanded = resolve('expanded')
    l_0_message = resolve('message')
    l_0_rows = resolve('rows')
    l_0_detail = resolve('detail')
    l_0_catalog_block = missing
    try:
        t_1 = environment.filters['printable']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'printable' found.")
    pass
    def macro():
        t_2 = []
        l_1_catalog = resolve('catalog')
        l_1_catalog_html = resolve('catalog_html')
        pass
        if (undefined(name='catalog') if l_1_catalog is missing else l_1_catalog):
            pass
            t_2.extend((
                '<div class="runbook-catalog">\n<p class="runbook-catalog-title">Catalog check <code>',
                escape(environment.getattr((undefined(name='catalog') if l_1_catalog is missing else l_1_catalog), 'check_id')),
                '</code> from <code>',
                escape(environment.getattr((undefined(name='catalog') if l_1_catalog is missing else l_1_catalog), 'location')),
                '</code></p>\n',
                escape((undefined(name='catalog_html') if l_1_catalog_html is missing else l_1_catalog_html)),
                '\n</div>\n',
            ))
        return concat(t_2)
    context.exported_vars.add('catalog_block')
    context.vars['catalog_block'] = l_0_catalog_block = Macro(environment, macro, 'catalog_block', (), False, False, False, context.eval_ctx.autoescape)
    yield '<div class="runbook-check runbook-check-'
    yield escape((undefined(name='status') if l_0_status is missing else l_0_status))
    yield '" id="'
    yield escape((undefined(name='anchor') if l_0_anchor is missing else l_0_anchor))
    yield '">\n<div class="runbook-check-header">\n<a class="runbook-badge" href="#'
    yield escape((undefined(name='anchor') if l_0_anchor is missing else l_0_anchor))
    yield '"><span class="runbook-badge-label">'
    yield escape(t_1(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'name')))
    yield '</span><span class="runbook-badge-sep"> | </span><span class="runbook-badge-status runbook-status-'
    yield escape((undefined(name='status') if l_0_status is missing else l_0_status))
    yield '"><span class="runbook-symbol" aria-hidden="true">'
    yield escape(environment.getitem((undefined(name='symbols') if l_0_symbols is missing else l_0_symbols), (undefined(name='status') if l_0_status is missing else l_0_status)))
    yield ' </span>'
    yield escape((undefined(name='badge_text') if l_0_badge_text is missing else l_0_badge_text))
    yield '</span></a>\n'
    if environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'checked_at'):
        pass
        yield escape(context.call((undefined(name='time') if l_0_time is missing else l_0_time), environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'checked_at')))
        yield '\n'
    if environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'env'):
        pass
        yield '<span class="runbook-env">env: '
        yield escape(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'env'))
        yield '</span>\n'
    if (undefined(name='zone') if l_0_zone is missing else l_0_zone):
        pass
        yield '<span class="runbook-zone">zone: '
        yield escape((undefined(name='zone') if l_0_zone is missing else l_0_zone))
        yield '</span>\n'
    if environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'cached'):
        pass
        yield '<span class="runbook-flag runbook-flag-cached">cached</span>\n'
    if (undefined(name='stale') if l_0_stale is missing else l_0_stale):
        pass
        yield '<span class="runbook-flag runbook-flag-stale">stale</span>\n'
    yield '</div>\n'
    if (undefined(name='history') if l_0_history is missing else l_0_history):
        pass
        yield escape(context.call((undefined(name='check_history') if l_0_check_history is missing else l_0_check_history), (undefined(name='history') if l_0_history is missing else l_0_history)))
        yield '\n'
    if (not (undefined(name='fold_source') if l_0_fold_source is missing else l_0_fold_source)):
        pass
        yield escape((undefined(name='source_html') if l_0_source_html is missing else l_0_source_html))
        yield '\n'
        yield escape(context.call((undefined(name='catalog_block') if l_0_catalog_block is missing else l_0_catalog_block)))
        yield '\n'
    yield '<details class="runbook-result runbook-check-'
    yield escape((undefined(name='status') if l_0_status is missing else l_0_status))
    yield ' '
    yield escape(environment.getitem((undefined(name='material_types') if l_0_material_types is missing else l_0_material_types), (undefined(name='status') if l_0_status is missing else l_0_status)))
    yield '"'
    if (undefined(name='expanded') if l_0_expanded is missing else l_0_expanded):
        pass
        yield ' open'
    yield '>\n<summary>Result</summary>\n'
    if (undefined(name='message') if l_0_message is missing else l_0_message):
        pass
        yield '<p class="runbook-message">'
        yield escape((undefined(name='message') if l_0_message is missing else l_0_message))
        yield '</p>\n'
    if ((environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'kind') or environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'target')) or (environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'attempts') > 1)):
        pass
        yield '<p class="runbook-meta">\n'
        if environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'kind'):
            pass
            yield '<span class="runbook-kind">'
            yield escape(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'kind'))
            yield '</span>\n'
        if environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'target'):
            pass
            yield '<code class="runbook-target">'
            yield escape(t_1(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'target')))
            yield '</code>\n'
        if (environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'attempts') > 1):
            pass
            yield '<span class="runbook-attempts">'
            yield escape(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'attempts'))
            yield ' attempts</span>\n'
        yield '</p>\n'
    if (undefined(name='rows') if l_0_rows is missing else l_0_rows):
        pass
        yield '<table class="runbook-table runbook-assertions">\n<thead><tr><th>Expected</th><th>Actual</th><th>Result</th></tr></thead>\n<tbody>\n'
        for l_1_row in (undefined(name='rows') if l_0_rows is missing else l_0_rows):
            _loop_vars = {}
            pass
            yield '<tr class="runbook-assertion runbook-assertion-'
            yield escape(environment.getattr(l_1_row, 'outcome'))
            yield '">\n<td>'
            if (environment.getattr(l_1_row, 'severity') == 'warn'):
                pass
                yield '<span class="runbook-severity">warn</span> '
            yield '<code>'
            yield escape(environment.getattr(l_1_row, 'expected'))
            yield '</code></td>\n<td><code>'
            yield escape(environment.getattr(l_1_row, 'actual'))
            yield '</code></td>\n<td><span class="runbook-chip runbook-outcome-'
            yield escape(environment.getattr(l_1_row, 'outcome'))
            yield '">'
            yield escape(environment.getattr(l_1_row, 'outcome'))
            yield '</span>'
            if environment.getattr(l_1_row, 'message'):
                pass
                yield ' <span class="runbook-assertion-message">'
                yield escape(environment.getattr(l_1_row, 'message'))
                yield '</span>'
            yield '</td>\n</tr>\n'
        l_1_row = missing
        yield '</tbody>\n</table>\n'
    if environment.getattr((undefined(name='detail') if l_0_detail is missing else l_0_detail), 'text'):
        pass
        yield '<pre class="runbook-detail">'
        yield escape(environment.getattr((undefined(name='detail') if l_0_detail is missing else l_0_detail), 'text'))
        yield '</pre>\n'
        if environment.getattr((undefined(name='detail') if l_0_detail is missing else l_0_detail), 'total_bytes'):
            pass
            yield '<p class="runbook-truncated">Showing the first '
            yield escape(environment.getattr((undefined(name='detail') if l_0_detail is missing else l_0_detail), 'bytes_shown'))
            yield ' of '
            yield escape(environment.getattr((undefined(name='detail') if l_0_detail is missing else l_0_detail), 'total_bytes'))
            yield ' bytes.</p>\n'
    if (undefined(name='fold_source') if l_0_fold_source is missing else l_0_fold_source):
        pass
        yield '<div class="runbook-source">\n<p class="runbook-source-title">Check source</p>\n'
        yield escape((undefined(name='source_html') if l_0_source_html is missing else l_0_source_html))
        yield '\n'
        yield escape(context.call((undefined(name='catalog_block') if l_0_catalog_block is missing else l_0_catalog_block)))
        yield '\n</div>\n'
    yield '</details>\n</div>'

blocks = {}
debug_info = '1=35&2=40&4=44&5=48&9=55&11=59&12=69&13=71&15=73&16=76&18=78&19=81&21=83&24=86&28=90&29=92&31=94&32=96&33=98&35=101&37=109&38=112&40=114&42=117&43=120&45=122&46=125&48=127&49=130&53=133&57=136&58=140&59=142&60=148&61=150&67=162&68=165&69=167&70=170&73=174&76=177&77=179'
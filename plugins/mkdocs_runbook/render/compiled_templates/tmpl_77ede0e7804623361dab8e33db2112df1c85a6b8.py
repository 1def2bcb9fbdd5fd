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
    l_0_zone = resolve('zone')
    l_0_stale = resolve('stale')
    l_0_history = resolve('history')
    l_0_last_passed = resolve('last_passed')
    l_0_fold_source = resolve('fold_source')
    l_0_source_html = resolve('source_html')
    l_0_catalog = resolve('catalog')
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
    try:
        t_2 = environment.filters['readable_time']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'readable_time' found.")
    pass
    def macro():
        t_3 = []
        l_1_catalog_html = resolve('catalog_html')
        pass
        if (undefined(name='catalog') if l_0_catalog is missing else l_0_catalog):
            pass
            t_3.extend((
                '<div class="runbook-catalog">\n<p class="runbook-catalog-title">Catalog check <code>',
                escape(environment.getattr((undefined(name='catalog') if l_0_catalog is missing else l_0_catalog), 'check_id')),
                '</code> from <code>',
                escape(environment.getattr((undefined(name='catalog') if l_0_catalog is missing else l_0_catalog), 'location')),
                '</code></p>\n',
                escape((undefined(name='catalog_html') if l_1_catalog_html is missing else l_1_catalog_html)),
                '\n</div>\n',
            ))
        return concat(t_3)
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
        yield '<time class="runbook-time" datetime="'
        yield escape(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'checked_at'))
        yield '">'
        yield escape(t_2(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'checked_at')))
        yield '</time>\n'
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
        yield '<div class="runbook-history">\n<span class="runbook-marks">'
        for l_1_mark in environment.getattr((undefined(name='history') if l_0_history is missing else l_0_history), 'marks'):
            _loop_vars = {}
            pass
            yield '<span class="runbook-mark runbook-status-'
            yield escape(environment.getattr(l_1_mark, 'status'))
            yield '" role="img" aria-label="'
            yield escape(environment.getattr(l_1_mark, 'status'))
            yield ' '
            yield escape(t_2(environment.getattr(l_1_mark, 'checked_at')))
            yield '" title="'
            yield escape(environment.getattr(l_1_mark, 'status'))
            yield ' · '
            yield escape(t_2(environment.getattr(l_1_mark, 'checked_at')))
            yield '">'
            yield escape(environment.getattr(l_1_mark, 'symbol'))
            yield '</span>'
        l_1_mark = missing
        yield '</span>\n'
        if (not environment.getattr((undefined(name='history') if l_0_history is missing else l_0_history), 'passing_now')):
            pass
            yield escape(context.call((undefined(name='last_passed') if l_0_last_passed is missing else l_0_last_passed), (undefined(name='history') if l_0_history is missing else l_0_history)))
            yield '\n'
        yield '<span class="runbook-share">passed '
        yield escape(environment.getitem(environment.getattr((undefined(name='history') if l_0_history is missing else l_0_history), 'uptime_detail'), '30d'))
        yield ' in 30 days</span>\n'
        if environment.getattr((undefined(name='history') if l_0_history is missing else l_0_history), 'flapping'):
            pass
            yield '<span class="runbook-flag runbook-flag-flapping">flapping</span>\n'
        yield '</div>\n'
    if (not (undefined(name='fold_source') if l_0_fold_source is missing else l_0_fold_source)):
        pass
        yield escape((undefined(name='source_html') if l_0_source_html is missing else l_0_source_html))
        yield '\n'
        yield escape((context.call((undefined(name='catalog_block') if l_0_catalog_block is missing else l_0_catalog_block)) if (undefined(name='catalog') if l_0_catalog is missing else l_0_catalog) else ''))
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
        yield escape((context.call((undefined(name='catalog_block') if l_0_catalog_block is missing else l_0_catalog_block)) if (undefined(name='catalog') if l_0_catalog is missing else l_0_catalog) else ''))
        yield '\n</div>\n'
    yield '</details>\n</div>'

blocks = {}
debug_info = '1=41&2=45&4=49&5=53&9=60&11=64&12=74&13=77&15=81&16=84&18=86&19=89&21=91&24=94&28=98&30=101&31=119&32=121&34=124&35=126&40=130&41=132&42=134&44=137&46=145&47=148&49=150&51=153&52=156&54=158&55=161&57=163&58=166&62=169&66=172&67=176&68=178&69=184&70=186&76=198&77=201&78=203&79=206&82=210&85=213&86=215'
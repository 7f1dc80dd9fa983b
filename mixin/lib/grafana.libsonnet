// Minimal Grafana (schemaVersion 39) helpers for the Neo4j mixin: Grafonnet cannot be fetched in
// the project's environment, so the few builders the dashboards need live here.
//
// Panels are built without ids and positions; `dashboard` numbers them and lays them out from
// their `w`/`h` (hidden fields), left to right, wrapping at 24 columns; a row starts a new line.
{
  // Every panel and target uses the dashboard's `datasource` variable.
  ds:: { type: 'prometheus', uid: '${datasource}' },

  // ---------------------------------------------------------------------------------------------
  // Targets

  // A range query (time series).
  target(expr, legend='', refId='A'):: {
    datasource: $.ds,
    expr: expr,
    legendFormat: legend,
    range: true,
    instant: false,
    refId: refId,
  },

  // An instant query (current state in stats and bar gauges).
  instantTarget(expr, legend='', refId='A'):: $.target(expr, legend, refId) { range: false, instant: true },

  // An instant query in table format (tables, bar gauges of the current state).
  tableTarget(expr, refId='A', legend=''):: {
    datasource: $.ds,
    expr: expr,
    legendFormat: legend,
    format: 'table',
    range: false,
    instant: true,
    refId: refId,
  },

  // Assigns refIds A, B, C... to targets given without one.
  withRefIds(targets):: [
    targets[i] { refId: std.char(std.codepoint('A') + i) }
    for i in std.range(0, std.length(targets) - 1)
  ],

  // ---------------------------------------------------------------------------------------------
  // Field configuration pieces

  steps(list):: { mode: 'absolute', steps: [{ color: s[0], value: s[1] } for s in list] },
  okSteps:: $.steps([['green', null]]),

  // Value mappings: [[value, text, color], ...]
  valueMappings(list):: [{
    type: 'value',
    options: {
      [std.toString(m[0])]: { text: m[1], color: m[2], index: i }
      for i in std.range(0, std.length(list) - 1)
      for m in [list[i]]
    },
  }],

  // Mapping of the role code computed by the state-timeline queries (see queries.roleCode).
  roleMappings:: $.valueMappings([
    [0, 'down', 'red'],
    [1, 'unknown', 'text'],
    [2, 'secondary', 'purple'],
    [3, 'candidate', 'orange'],
    [4, 'follower', 'blue'],
    [5, 'leader', 'green'],
    [6, 'standalone', 'super-light-blue'],
  ]),
  upMappings:: $.valueMappings([[0, 'DOWN', 'red'], [1, 'UP', 'green']]),
  okMappings(bad='FAILING', good='OK'):: $.valueMappings([[0, bad, 'red'], [1, good, 'green']]),

  // ---------------------------------------------------------------------------------------------
  // Panels

  local base(type, title, description, targets, w, h) = {
    type: type,
    title: title,
    description: description,
    datasource: $.ds,
    targets: $.withRefIds(targets),
    w:: w,
    h:: h,
  },

  local fieldDefaults(unit, steps, mappings, extra) = {
    fieldConfig: {
      defaults: {
        unit: unit,
        mappings: mappings,
        thresholds: steps,
      } + extra,
      overrides: [],
    },
  },

  local reduce = { calcs: ['lastNotNull'], fields: '', values: false },
  local legend(mode='list', calcs=[]) = {
    displayMode: mode,
    placement: 'bottom',
    showLegend: true,
    calcs: calcs,
  },

  stat(title, description, targets, unit='none', steps=$.okSteps, mappings=[], w=3, h=4,
       colorMode='value', textMode='auto', graphMode='none', decimals=null)::
    base('stat', title, description, targets, w, h)
    + fieldDefaults(unit, steps, mappings, { color: { mode: 'thresholds' } }
                                           + (if decimals == null then {} else { decimals: decimals }))
    + {
      options: {
        reduceOptions: reduce,
        colorMode: colorMode,
        graphMode: graphMode,
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: textMode,
        wideLayout: true,
        showPercentChange: false,
      },
    },

  gauge(title, description, targets, unit='percentunit', steps=$.okSteps, min=0, max=1, w=6, h=6)::
    base('gauge', title, description, targets, w, h)
    + fieldDefaults(unit, steps, [], { color: { mode: 'thresholds' }, min: min, max: max })
    + {
      options: {
        reduceOptions: reduce,
        orientation: 'auto',
        showThresholdLabels: false,
        showThresholdMarkers: true,
        minVizHeight: 75,
        minVizWidth: 75,
        sizing: 'auto',
      },
    },

  bargauge(title, description, targets, unit='none', steps=$.okSteps, w=12, h=8)::
    base('bargauge', title, description, targets, w, h)
    + fieldDefaults(unit, steps, [], { color: { mode: 'thresholds' }, min: 0 })
    + {
      options: {
        reduceOptions: reduce,
        orientation: 'horizontal',
        displayMode: 'gradient',
        valueMode: 'color',
        namePlacement: 'auto',
        showUnfilled: true,
        sizing: 'auto',
        minVizHeight: 16,
        minVizWidth: 8,
        maxVizHeight: 300,
      },
    },

  // thresholdsStyle: 'off', 'line', 'area', 'line+area', 'dashed'
  timeseries(title, description, targets, unit, steps=$.okSteps, w=12, h=8, min=null,
             drawStyle='line', thresholdsStyle='off', legendMode='list', stack=false, decimals=null)::
    base('timeseries', title, description, targets, w, h)
    + fieldDefaults(unit, steps, [], {
      color: { mode: 'palette-classic' },
      custom: {
        drawStyle: drawStyle,
        lineInterpolation: 'linear',
        lineWidth: 1,
        fillOpacity: if drawStyle == 'bars' then 80 else 10,
        gradientMode: 'none',
        showPoints: 'never',
        pointSize: 5,
        spanNulls: false,
        axisPlacement: 'auto',
        axisLabel: '',
        axisSoftMin: 0,
        stacking: { mode: if stack then 'normal' else 'none', group: 'A' },
        thresholdsStyle: { mode: thresholdsStyle },
      },
    } + (if min == null then {} else { min: min })
      + (if decimals == null then {} else { decimals: decimals }))
    + {
      options: {
        legend: legend(legendMode, if legendMode == 'table' then ['lastNotNull', 'max'] else []),
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  stateTimeline(title, description, targets, mappings, steps=$.okSteps, w=24, h=8)::
    base('state-timeline', title, description, targets, w, h)
    + fieldDefaults('none', steps, mappings, {
      color: { mode: 'thresholds' },
      custom: { fillOpacity: 80, lineWidth: 0, hideFrom: { legend: false, tooltip: false, viz: false } },
    })
    + {
      options: {
        showValue: 'auto',
        rowHeight: 0.9,
        mergeValues: true,
        alignValue: 'left',
        legend: legend(),
        tooltip: { mode: 'single', sort: 'none' },
      },
    },

  // Tables take instant queries in table format; `hide` lists columns to hide (Time, Value...).
  table(title, description, targets, unit='none', steps=$.okSteps, mappings=[], w=24, h=8,
        transformations=[], overrides=[], cellType='auto')::
    base('table', title, description, targets, w, h)
    + fieldDefaults(unit, steps, mappings, {
      color: { mode: 'thresholds' },
      custom: { align: 'auto', cellOptions: { type: cellType }, inspect: false, filterable: false },
    })
    + {
      fieldConfig+: { overrides: overrides },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: { show: false, reducer: ['sum'], fields: '', countRows: false },
      },
      transformations: transformations,
    },

  row(title, description='')::
    {
      type: 'row',
      title: title,
      description: description,
      collapsed: false,
      panels: [],
      w:: 24,
      h:: 1,
    },

  // Table helpers
  organize(hide, order={}, rename={}):: {
    id: 'organize',
    options: {
      excludeByName: { [c]: true for c in hide },
      indexByName: order,
      renameByName: rename,
    },
  },
  merge:: { id: 'merge', options: {} },

  // An override of one column (by name) with data links.
  linkOverride(field, links):: {
    matcher: { id: 'byName', options: field },
    properties: [{ id: 'links', value: [{ title: l[0], url: l[1], targetBlank: false } for l in links] }],
  },
  // An override of series whose display name matches a regex.
  seriesOverride(regex, props):: {
    matcher: { id: 'byRegexp', options: regex },
    properties: [{ id: k, value: props[k] } for k in std.objectFields(props)],
  },

  // ---------------------------------------------------------------------------------------------
  // Variables

  datasourceVariable:: {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    hide: 0,
    includeAll: false,
    multi: false,
    options: [],
    refresh: 1,
    regex: '',
    skipUrlSync: false,
  },

  // A multi-value query variable with "All" that refreshes on time range change.
  queryVariable(name, label, query, allValue='.+'):: {
    name: name,
    label: label,
    type: 'query',
    datasource: $.ds,
    definition: query,
    query: query,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    hide: 0,
    includeAll: true,
    allValue: allValue,
    multi: true,
    options: [],
    refresh: 2,
    regex: '',
    skipUrlSync: false,
    sort: 1,
  },

  // ---------------------------------------------------------------------------------------------
  // Layout

  // Sets id and gridPos on every panel: left to right, wrapping at 24 columns, rows on their own
  // line; the height of a line is its tallest panel.
  layout(panels)::
    local step(state, p) =
      local newLine = p.type == 'row' || state.x + p.w > 24;
      local x = if newLine then 0 else state.x;
      local y = if newLine then state.y + state.lineH else state.y;
      local placed = p { id: std.length(state.out) + 1, gridPos: { h: p.h, w: p.w, x: x, y: y } };
      {
        out: state.out + [placed],
        x: if p.type == 'row' then 24 else x + p.w,
        y: y,
        lineH: if newLine then p.h else std.max(state.lineH, p.h),
      };
    std.foldl(step, panels, { out: [], x: 0, y: 0, lineH: 0 }).out,

  // ---------------------------------------------------------------------------------------------
  // Dashboard

  dashboard(config, uidSuffix, title, description, variables, panels, annotations):: {
    uid: config.dashboardUidPrefix + uidSuffix,
    title: title,
    description: description,
    tags: config.dashboardTags,
    timezone: config.dashboardTimezone,
    refresh: config.dashboardRefresh,
    time: config.dashboardTime,
    timepicker: {},
    schemaVersion: 39,
    editable: false,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    links: [{
      title: 'Neo4j dashboards',
      type: 'dashboards',
      tags: config.dashboardTags,
      asDropdown: true,
      includeVars: true,
      keepTime: true,
      targetBlank: false,
      icon: 'external link',
      tooltip: '',
      url: '',
    }],
    annotations: {
      list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      }] + annotations,
    },
    templating: { list: variables },
    panels: $.layout(panels),
  },

  // A Prometheus annotation query.
  annotation(name, expr, color, title, text, tagKeys):: {
    name: name,
    datasource: $.ds,
    enable: true,
    hide: false,
    iconColor: color,
    expr: expr,
    step: '60s',
    titleFormat: title,
    textFormat: text,
    tagKeys: tagKeys,
    useValueForTime: false,
  },
}

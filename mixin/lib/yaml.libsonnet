// std.parseYaml for the shipped rule file, working around a bug of Debian's jsonnet 0.18: its
// std.parseYaml aborts ("invalid string: control character U+000A (LF) must be escaped") on any
// string value that contains a newline, e.g. a `|` block scalar such as every rule's `expr: |`.
//
// `parse(text)` rewrites each block scalar (`key: |`, `|-`, `>`, `>-`) into a double-quoted
// scalar whose newlines are replaced by a placeholder, parses the result with std.parseYaml and
// puts the newlines back. Block scalars follow YAML 1.2: literal (`|`) keeps the line breaks,
// folded (`>`) joins lines with a space (an empty line is a line break); `-` strips the final
// line break, otherwise one is kept. Not supported (an error, never a silent difference):
// explicit indentation indicators, `+` chomping, more-indented lines inside folded scalars.
local placeholder = '@@NEO4J_MIXIN_NEWLINE@@';

// (std.lstripChars and friends are slow in jsonnet 0.18: these count instead.)
local indentOf(l) =
  local go(i) = if i < std.length(l) && l[i] == ' ' then go(i + 1) else i;
  go(0);
local rtrim(l) =
  local go(i) = if i > 0 && l[i - 1] == ' ' then go(i - 1) else i;
  std.substr(l, 0, go(std.length(l)));
local isBlank(l) = indentOf(l) == std.length(l);
local endsWith(s, suffix) =
  std.length(s) >= std.length(suffix) && std.substr(s, std.length(s) - std.length(suffix), std.length(suffix)) == suffix;

// The block indicator of a line `<indent><key>: <indicator>` (or `- <key>: ...`), else null.
local indicator(l) =
  local t = rtrim(l);
  local found = [i for i in ['|', '|-', '>', '>-'] if endsWith(t, ': ' + i)];
  if std.length(found) > 0 then found[std.length(found) - 1]
  else if std.length([i for i in ['|+', '>+', '|1', '|2', '>1', '>2'] if endsWith(t, ': ' + i)]) > 0 then
    error 'mixin/lib/yaml.libsonnet: unsupported block scalar header: ' + l
  else null;

// A YAML double-quoted scalar (std.escapeStringJson is slow in jsonnet 0.18; newlines are
// replaced by the placeholder before, other control characters are refused).
local quote(s) =
  assert std.length([ch for ch in std.stringChars(s) if std.codepoint(ch) < 32]) == 0 : 'mixin/lib/yaml.libsonnet: control character in a block scalar';
  '"' + std.strReplace(std.strReplace(s, '\\', '\\\\'), '"', '\\"') + '"';

local fold(lines) =
  // Folded style: lines joined with a space, an empty line is a line break.
  std.foldl(
    function(acc, l)
      if l == '' then acc { text+: '\n', afterBreak: true }
      else if std.startsWith(l, ' ') then error 'mixin/lib/yaml.libsonnet: more-indented line in a folded scalar: ' + l
      else acc { text+: (if acc.text == '' || acc.afterBreak then '' else ' ') + l, afterBreak: false },
    lines,
    { text: '', afterBreak: false }
  ).text;

local rewrite(text) =
  local lines = std.split(text, '\n');
  local n = std.length(lines);
  local blockEnd(i, ind) =
    local go(k) = if k < n && (isBlank(lines[k]) || indentOf(lines[k]) > ind) then go(k + 1) else k;
    go(i + 1);
  local headers = [i for i in std.range(0, n - 1) if indicator(lines[i]) != null];
  local ends = { [std.toString(h)]: blockEnd(h, indentOf(lines[h])) for h in headers };
  local inside = std.set(std.flattenArrays([std.range(h + 1, ends[std.toString(h)] - 1) for h in headers]));
  local rewritten(i) =
    local l = lines[i];
    local ind = indicator(l);
    local end = ends[std.toString(i)];
    local raw = [lines[k] for k in std.range(i + 1, end - 1)];
    // Trailing blank lines are not content (they only matter for `+` chomping).
    local contentIdx = [k for k in std.range(0, std.length(raw) - 1) if !isBlank(raw[k])];
    local body = if std.length(contentIdx) == 0 then [] else raw[0:contentIdx[std.length(contentIdx) - 1] + 1];
    local bodyIndent = if std.length(body) == 0 then 0 else indentOf(body[0]);
    local content = [if isBlank(b) then '' else std.substr(b, bodyIndent, std.length(b)) for b in body];
    local value0 = if std.startsWith(ind, '|') then std.join('\n', content) else fold(content);
    local value = value0 + (if std.length(ind) == 1 && std.length(content) > 0 then '\n' else '');
    local head = std.substr(l, 0, std.length(rtrim(l)) - std.length(ind));
    head + quote(std.strReplace(value, '\n', placeholder));
  assert std.length(std.strReplace(text, placeholder, '')) == std.length(text) : 'mixin/lib/yaml.libsonnet: the placeholder occurs in the text';
  std.join('\n', [
    if std.objectHas(ends, std.toString(i)) then rewritten(i) else lines[i]
    for i in std.range(0, n - 1)
    if !std.setMember(i, inside)
  ]);

local restore(v) =
  if std.isString(v) then std.strReplace(v, placeholder, '\n')
  else if std.isArray(v) then std.map(restore, v)
  else if std.isObject(v) then { [k]: restore(v[k]) for k in std.objectFields(v) }
  else v;

{
  parse(text):: restore(std.parseYaml(rewrite(text))),
}

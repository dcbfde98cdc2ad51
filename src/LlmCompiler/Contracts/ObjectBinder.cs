using System.Text.Json;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts;

/// <summary>
/// Reads the properties of one JSON object into typed values, recording positions in a <see cref="SourceMap"/>
/// and reporting every shape problem under one diagnostic code. Malformed values read as empty; nothing throws.
/// </summary>
internal sealed class ObjectBinder
{
    private readonly JsonSyntax _object;
    private readonly string _prefix;
    private readonly string _shapeCode;
    private readonly List<Diagnostic> _diagnostics;
    // A handful of names per object: a linear scan beats building a set for every object bound.
    private readonly string[] _known;
    // The node of each known name's value (-1: absent), found in one pass over the object (binding asks for every
    // name, some twice).
    private readonly int[] _values;
    private readonly bool _hasUnknown;

    private static readonly string[] ConditionProperties = ["kind", "path"];

    public ObjectBinder(JsonSyntax obj, SourceMap map, string? woId, string shapeCode, List<Diagnostic> diagnostics,
        IEnumerable<string> knownProperties, string prefix = "")
    {
        _object = obj;
        Map = map;
        WoId = woId;
        _shapeCode = shapeCode;
        _diagnostics = diagnostics;
        _prefix = prefix;
        _known = knownProperties as string[] ?? [.. knownProperties];
        _values = new int[_known.Length];
        System.Array.Fill(_values, -1);
        // Planners write the properties in the schema's order, which the known names follow: the name after the last
        // one found is tried first.
        var next = 0;
        foreach (var property in obj.Properties)
        {
            var k = property.IndexIn(_known, next);
            if (k < 0)
            {
                _hasUnknown = true;
                continue;
            }
            _values[k] = property.Value.Index;
            next = k + 1;
        }
        foreach (var dup in obj.DuplicateProperties)
        {
            var name = dup.Name;
            map.Record(_prefix + name + "#duplicate", dup.NameStart);
            Report(_shapeCode, name + "#duplicate",
                $"duplicate property '{name}': JSON objects must not repeat a key");
        }
    }

    public SourceMap Map { get; }

    /// <summary>Lets <see cref="Map"/> find this object's properties by the names bound here (the object is its root).</summary>
    public void IndexMapRoot() => Map.IndexRoot(_known, _values);

    public string? WoId { get; }

    public string Field(string name) => _prefix + name;

    public void Report(string code, string fieldWithoutPrefix, string message) =>
        _diagnostics.Add(FixField(Map.Create(code, WoId, _prefix + fieldWithoutPrefix, message)));

    private static Diagnostic FixField(Diagnostic d) =>
        d.Field is { } f && f.EndsWith("#duplicate", StringComparison.Ordinal) ? d with { Field = f[..^"#duplicate".Length] } : d;

    public JsonSyntax? Get(string name)
    {
        var k = IndexOfKnown(name);
        if (k < 0) return _object.Get(name);
        return _values[k] < 0 ? null : new JsonSyntax(_object.Tree, _values[k]);
    }

    // Callers name properties with the literals the known-name arrays hold (one interned instance each): identity
    // answers almost every lookup, a binding asks about twenty per work order.
    private int IndexOfKnown(string name)
    {
        for (var k = 0; k < _known.Length; k++)
        {
            if (ReferenceEquals(_known[k], name)) return k;
        }
        return System.Array.IndexOf(_known, name);
    }

    /// <summary>Unknown properties become W102 (with a suggestion when one is close) and are returned for round-tripping.</summary>
    public Dictionary<string, JsonElement>? CollectUnknown() => CollectUnknownInto(_diagnostics);

    /// <summary>As <see cref="CollectUnknown"/>, sending the W102 warnings to <paramref name="sink"/>.</summary>
    public Dictionary<string, JsonElement>? CollectUnknownInto(List<Diagnostic> sink)
    {
        Dictionary<string, JsonElement>? unknown = null;
        if (!_hasUnknown) return unknown;
        foreach (var p in _object.Properties)
        {
            if (p.IndexIn(_known) >= 0) continue;
            var name = p.Name;
            var hint = NameSuggester.Suggest(name, _known);
            var message = hint is null
                ? $"unknown property '{name}' is kept but ignored"
                : $"unknown property '{name}' is kept but ignored; did you mean '{hint}'?";
            sink.Add(Map.Create(DiagnosticCodes.UnknownProperty, WoId, _prefix + name, message));
            (unknown ??= new(StringComparer.Ordinal))[name] = ToElement(p.Value);
        }
        return unknown;
    }

    public string RequiredString(string name, bool trim = true)
    {
        if (Get(name) is not { } value)
        {
            Report(_shapeCode, name, $"missing required property '{name}'");
            return "";
        }
        return AsString(value, name, trim) ?? "";
    }

    public string? OptionalString(string name, bool trim = true)
    {
        return Get(name) is { IsNull: false } value ? AsString(value, name, trim) : null;
    }

    public bool OptionalBool(string name)
    {
        var value = Get(name);
        switch (value?.Kind)
        {
            case null or JsonSyntaxKind.False: return false;
            case JsonSyntaxKind.True: return true;
            default:
                Report(_shapeCode, name, $"'{name}' must be true or false, found {value!.Value.TypeName}");
                return false;
        }
    }

    public JsonSyntax? Array(string name, bool required)
    {
        if (Get(name) is not { } value)
        {
            if (required) Report(_shapeCode, name, $"missing required property '{name}' (an array)");
            return null;
        }
        if (value.IsArray) return value;
        Report(_shapeCode, name, $"'{name}' must be an array, found {value.TypeName}");
        return null;
    }

    /// <summary>
    /// A list of strings, trimmed and (when <paramref name="dedupe"/>) de-duplicated first-wins. With
    /// <paramref name="pathRule"/> each element must pass <see cref="RepoPath"/> and is stored normalised.
    /// </summary>
    public IReadOnlyList<string> StringList(string name, bool required, bool pathRule, bool dedupe, bool trim = true,
        string? globCode = null, bool rejectEmpty = false)
    {
        if (Array(name, required) is not { } array) return [];
        var items = array.Items;
        if (items.Count == 0) return [];
        // An array of the element count: one object per list in the bound plan, trimmed only when elements were dropped.
        var result = new KeptList<string>(items.Count);
        // Lists in a work order are short: below a dozen elements the kept list itself is the cheaper set.
        var seen = dedupe && items.Count > 12 ? new HashSet<string>(StringComparer.Ordinal) : null;
        var i = -1;
        foreach (var item in items)
        {
            i++;
            if (!item.IsString)
            {
                var field = $"{name}[{i}]";
                Report(_shapeCode, field, $"'{field}' must be a string, found {item.TypeName}");
                continue;
            }
            var text = trim ? item.GetString().Trim() : item.GetString();
            if (pathRule)
            {
                if (globCode is not null && text.AsSpan().IndexOfAny("*?[") >= 0)
                {
                    Report(globCode, $"{name}[{i}]", $"{name} contains glob character in '{text}'; list every file explicitly");
                }
                if (!RepoPath.TryNormalize(text, out var normalized, out var error))
                {
                    var field = $"{name}[{i}]";
                    Report(_shapeCode, field, $"'{field}' is not a valid repository path: {error} ('{Printable(text)}')");
                    continue;
                }
                text = normalized;
            }
            else if (rejectEmpty && text.Length == 0)
            {
                var field = $"{name}[{i}]";
                Report(_shapeCode, field, $"'{field}' must not be empty");
                continue;
            }
            if (seen is not null ? !seen.Add(text) : dedupe && result.Contains(text)) continue;
            Map.RecordKept(_prefix + name, i, result.Count);
            result.Add(text);
        }
        return result.ToReadOnlyList();
    }

    /// <summary>A list of <c>{kind, path}</c> conditions; with <paramref name="existsOnly"/> only file_exists is allowed.</summary>
    public IReadOnlyList<Condition> Conditions(string name, bool required, bool existsOnly)
    {
        if (Array(name, required) is not { } array) return [];
        var items = array.Items;
        if (items.Count == 0) return [];
        var result = new KeptList<Condition>(items.Count);
        var i = -1;
        foreach (var item in items)
        {
            i++;
            if (TryReadPlainCondition(item, existsOnly) is { } plain)
            {
                Map.RecordKept(_prefix + name, i, result.Count);
                result.Add(plain);
                continue;
            }
            var field = $"{name}[{i}]";
            if (!item.IsObject)
            {
                Report(_shapeCode, field, $"'{field}' must be an object {{\"kind\", \"path\"}}, found {item.TypeName}");
                continue;
            }
            var cond = new ObjectBinder(item, Map, WoId, _shapeCode, _diagnostics, ConditionProperties, $"{_prefix}{field}.");
            var kindText = cond.RequiredString("kind");
            var pathText = cond.RequiredString("path");
            cond.CollectUnknown();
            ConditionKind kind;
            switch (kindText)
            {
                case Condition.FileExistsName: kind = ConditionKind.FileExists; break;
                case Condition.FileAbsentName: kind = ConditionKind.FileAbsent; break;
                case "": continue;
                default:
                    cond.Report(_shapeCode, "kind", $"'{field}.kind' must be 'file_exists' or 'file_absent', found '{kindText}'");
                    continue;
            }
            if (existsOnly && kind != ConditionKind.FileExists)
            {
                cond.Report(_shapeCode, "kind", $"'{field}' must be a file_exists condition (a work order cannot promise a file is absent)");
                continue;
            }
            if (pathText.Length == 0 && item.Find("path") is null) continue;
            if (!RepoPath.TryNormalize(pathText, out var normalized, out var error))
            {
                cond.Report(_shapeCode, "path", $"'{field}.path' is not a valid repository path: {error} ('{Printable(pathText)}')");
                continue;
            }
            Map.RecordKept(_prefix + name, i, result.Count);
            result.Add(new Condition(kind, normalized));
        }
        return result.ToReadOnlyList();
    }

    /// <summary>
    /// The common case read without a binder of its own: exactly <c>kind</c> and <c>path</c>, both strings, a known kind
    /// and a valid path, names and kind written without escapes. Anything else (null) goes the long way, which reads
    /// escapes and words every problem.
    /// </summary>
    private static Condition? TryReadPlainCondition(JsonSyntax item, bool existsOnly)
    {
        if (!item.IsObject || item.Count != 2 || item.DuplicateProperties.Any()) return null;
        JsonSyntax? kindValue = null, pathValue = null;
        foreach (var property in item.Properties)
        {
            if (property.NameIsVerbatim("kind"u8)) kindValue = property.Value;
            else if (property.NameIsVerbatim("path"u8)) pathValue = property.Value;
        }
        if (kindValue is not { } kindText || pathValue is not { IsString: true } pathText) return null;
        ConditionKind kind;
        if (kindText.IsVerbatim(Condition.FileExistsUtf8)) kind = ConditionKind.FileExists;
        else if (!existsOnly && kindText.IsVerbatim(Condition.FileAbsentUtf8)) kind = ConditionKind.FileAbsent;
        else return null;
        return RepoPath.TryNormalize(pathText.GetString().Trim(), out var normalized, out _) ? new Condition(kind, normalized) : null;
    }

    private string? AsString(JsonSyntax value, string name, bool trim)
    {
        if (value.IsString) return trim ? value.GetString().Trim() : value.GetString();
        Report(_shapeCode, name, $"'{name}' must be a string, found {value.TypeName}");
        return null;
    }

    private JsonElement ToElement(JsonSyntax value)
    {
        var slice = Map.Source.Utf8.Slice(value.Start, value.End - value.Start);
        using var doc = JsonDocument.Parse(slice);
        return doc.RootElement.Clone();
    }

    internal static string Printable(string text)
    {
        const int max = 120;
        var builder = new System.Text.StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text.Length > max ? text[..max] : text)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }
        if (text.Length > max) builder.Append('…');
        return builder.ToString();
    }

    private struct KeptList<T>(int capacity)
    {
        private readonly T[] _items = new T[capacity];

        public int Count { get; private set; }

        public void Add(T item) => _items[Count++] = item;

        public readonly bool Contains(T item) => System.Array.IndexOf(_items, item, 0, Count) >= 0;

        public readonly IReadOnlyList<T> ToReadOnlyList()
        {
            if (Count == _items.Length) return _items;
            var trimmed = _items;
            System.Array.Resize(ref trimmed, Count);
            return trimmed;
        }
    }
}

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
    private readonly JsonObjectSyntax _object;
    private readonly string _prefix;
    private readonly string _shapeCode;
    private readonly List<Diagnostic> _diagnostics;
    // A handful of names per object: a linear scan beats building a set for every object bound.
    private readonly string[] _known;

    private static readonly string[] ConditionProperties = ["kind", "path"];

    public ObjectBinder(JsonObjectSyntax obj, SourceMap map, string? woId, string shapeCode, List<Diagnostic> diagnostics,
        IEnumerable<string> knownProperties, string prefix = "")
    {
        _object = obj;
        Map = map;
        WoId = woId;
        _shapeCode = shapeCode;
        _diagnostics = diagnostics;
        _prefix = prefix;
        _known = knownProperties as string[] ?? [.. knownProperties];
        foreach (var dup in obj.DuplicateProperties)
        {
            map.Record(_prefix + dup.Name + "#duplicate", dup.NameStart);
            Report(_shapeCode, dup.Name + "#duplicate",
                $"duplicate property '{dup.Name}': JSON objects must not repeat a key");
        }
    }

    public SourceMap Map { get; }

    public string? WoId { get; }

    public string Field(string name) => _prefix + name;

    public void Report(string code, string fieldWithoutPrefix, string message) =>
        _diagnostics.Add(FixField(Map.Create(code, WoId, _prefix + fieldWithoutPrefix, message)));

    private static Diagnostic FixField(Diagnostic d) =>
        d.Field is { } f && f.EndsWith("#duplicate", StringComparison.Ordinal) ? d with { Field = f[..^"#duplicate".Length] } : d;

    public JsonSyntax? Get(string name) => _object.Find(name)?.Value;

    /// <summary>Unknown properties become W102 (with a suggestion when one is close) and are returned for round-tripping.</summary>
    public Dictionary<string, JsonElement>? CollectUnknown() => CollectUnknownInto(_diagnostics);

    /// <summary>As <see cref="CollectUnknown"/>, sending the W102 warnings to <paramref name="sink"/>.</summary>
    public Dictionary<string, JsonElement>? CollectUnknownInto(List<Diagnostic> sink)
    {
        Dictionary<string, JsonElement>? unknown = null;
        foreach (var p in _object.Properties)
        {
            if (System.Array.IndexOf(_known, p.Name) >= 0) continue;
            var hint = NameSuggester.Suggest(p.Name, _known);
            var message = hint is null
                ? $"unknown property '{p.Name}' is kept but ignored"
                : $"unknown property '{p.Name}' is kept but ignored; did you mean '{hint}'?";
            sink.Add(Map.Create(DiagnosticCodes.UnknownProperty, WoId, _prefix + p.Name, message));
            (unknown ??= new(StringComparer.Ordinal))[p.Name] = ToElement(p.Value);
        }
        return unknown;
    }

    public string RequiredString(string name, bool trim = true)
    {
        var value = Get(name);
        if (value is null)
        {
            Report(_shapeCode, name, $"missing required property '{name}'");
            return "";
        }
        return AsString(value, name, trim) ?? "";
    }

    public string? OptionalString(string name, bool trim = true)
    {
        var value = Get(name);
        return value is null || value.Kind == JsonSyntaxKind.Null ? null : AsString(value, name, trim);
    }

    public bool OptionalBool(string name)
    {
        var value = Get(name);
        switch (value?.Kind)
        {
            case null or JsonSyntaxKind.False: return false;
            case JsonSyntaxKind.True: return true;
            default:
                Report(_shapeCode, name, $"'{name}' must be true or false, found {value.TypeName}");
                return false;
        }
    }

    public JsonArraySyntax? Array(string name, bool required)
    {
        var value = Get(name);
        if (value is null)
        {
            if (required) Report(_shapeCode, name, $"missing required property '{name}' (an array)");
            return null;
        }
        if (value is JsonArraySyntax array) return array;
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
        var array = Array(name, required);
        if (array is null) return [];
        var result = new List<string>(array.Items.Count);
        // Lists in a work order are short: below a dozen elements the kept list itself is the cheaper set.
        var seen = dedupe && array.Items.Count > 12 ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (var i = 0; i < array.Items.Count; i++)
        {
            var item = array.Items[i];
            if (item is not JsonStringSyntax s)
            {
                var field = $"{name}[{i}]";
                Report(_shapeCode, field, $"'{field}' must be a string, found {item.TypeName}");
                continue;
            }
            var text = trim ? s.Value.Trim() : s.Value;
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
            result.Add(text);
            Map.RecordKept(_prefix + name, i);
        }
        return result;
    }

    /// <summary>A list of <c>{kind, path}</c> conditions; with <paramref name="existsOnly"/> only file_exists is allowed.</summary>
    public IReadOnlyList<Condition> Conditions(string name, bool required, bool existsOnly)
    {
        var array = Array(name, required);
        if (array is null) return [];
        var result = new List<Condition>(array.Items.Count);
        for (var i = 0; i < array.Items.Count; i++)
        {
            var item = array.Items[i];
            var field = $"{name}[{i}]";
            if (item is not JsonObjectSyntax obj)
            {
                Report(_shapeCode, field, $"'{field}' must be an object {{\"kind\", \"path\"}}, found {item.TypeName}");
                continue;
            }
            var cond = new ObjectBinder(obj, Map, WoId, _shapeCode, _diagnostics, ConditionProperties, $"{_prefix}{field}.");
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
            if (pathText.Length == 0 && obj.Find("path") is null) continue;
            if (!RepoPath.TryNormalize(pathText, out var normalized, out var error))
            {
                cond.Report(_shapeCode, "path", $"'{field}.path' is not a valid repository path: {error} ('{Printable(pathText)}')");
                continue;
            }
            result.Add(new Condition(kind, normalized));
            Map.RecordKept(_prefix + name, i);
        }
        return result;
    }

    private string? AsString(JsonSyntax value, string name, bool trim)
    {
        if (value is JsonStringSyntax s) return trim ? s.Value.Trim() : s.Value;
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
}

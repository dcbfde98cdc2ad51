using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts;

/// <summary>
/// Where each field and list element of one bound object came from. Field paths use the indices of the
/// original JSON (what the user sees in the file), e.g. <c>allowed_files[3]</c> or <c>preconditions[0].path</c>,
/// and are resolved lazily by walking the syntax tree, so binding a clean plan records almost nothing.
/// List fields also map the index after normalisation (trimming, de-duplication) back to the original.
/// </summary>
public sealed class SourceMap
{
    private readonly JsonSyntax _root;
    private Dictionary<string, int>? _extraOffsets;
    private Dictionary<string, List<int>>? _listIndices;
    private HashSet<string>? _listsWithGaps;

    /// <param name="source">The file the positions refer to.</param>
    /// <param name="root">The value field paths start from (a work order, a manifest, a proposal).</param>
    public SourceMap(SourceText source, JsonSyntax root)
    {
        Source = source;
        _root = root;
    }

    public SourceText Source { get; }

    public string? File => Source.Path;

    /// <summary>Records a position that is not a JSON value (e.g. the name of a duplicate key).</summary>
    public void Record(string field, int offset) => (_extraOffsets ??= new(StringComparer.Ordinal)).TryAdd(field, offset);

    /// <summary>Records that the next element kept in <paramref name="list"/> came from <paramref name="originalIndex"/>.</summary>
    public void RecordKept(string list, int originalIndex)
    {
        _listIndices ??= new(StringComparer.Ordinal);
        if (!_listIndices.TryGetValue(list, out var indices)) _listIndices[list] = indices = [];
        if (originalIndex != indices.Count) (_listsWithGaps ??= new(StringComparer.Ordinal)).Add(list);
        indices.Add(originalIndex);
    }

    /// <summary>The field path of the element at <paramref name="keptIndex"/> of a normalised list.</summary>
    public string ElementField(string list, int keptIndex)
    {
        var original = _listsWithGaps?.Contains(list) == true && _listIndices!.TryGetValue(list, out var indices) && keptIndex < indices.Count
            ? indices[keptIndex]
            : keptIndex;
        return $"{list}[{original}]";
    }

    /// <summary>The position of a field, falling back to its nearest enclosing value, then to the root.</summary>
    public SourcePosition Locate(string? field)
    {
        if (field is not null && _extraOffsets is not null && _extraOffsets.TryGetValue(field, out var offset))
        {
            return Source.GetPosition(offset);
        }
        return Source.GetPosition(Resolve(field).Start);
    }

    public Diagnostic Create(string code, string? woId, string? field, string message)
    {
        var position = Locate(field);
        return new Diagnostic(code, DiagnosticCatalog.SeverityOf(code), woId, field, message, File, position.Line, position.Column);
    }

    private JsonSyntax Resolve(string? field)
    {
        var current = _root;
        if (string.IsNullOrEmpty(field)) return current;
        var i = 0;
        while (i < field.Length)
        {
            JsonSyntax? next;
            if (field[i] == '[')
            {
                var close = field.IndexOf(']', i);
                if (close < 0 || !int.TryParse(field.AsSpan(i + 1, close - i - 1), out var index)) return current;
                next = current is JsonArraySyntax array && index >= 0 && index < array.Items.Count ? array.Items[index] : null;
                i = close + 1;
            }
            else
            {
                if (field[i] == '.') i++;
                var end = field.IndexOfAny(['.', '['], i);
                if (end < 0) end = field.Length;
                next = current is JsonObjectSyntax obj ? obj.Find(field.AsSpan(i, end - i))?.Value : null;
                i = end;
            }
            if (next is null) return current;
            current = next;
        }
        return current;
    }
}

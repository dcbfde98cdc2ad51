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
    // Only lists that lost an element (trimmed to a duplicate, invalid): in a clean plan every kept index is its own.
    private Dictionary<string, List<int>>? _listsWithGaps;

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

    /// <summary>Records that element <paramref name="keptIndex"/> kept in <paramref name="list"/> came from <paramref name="originalIndex"/>.</summary>
    public void RecordKept(string list, int originalIndex, int keptIndex)
    {
        if (_listsWithGaps is not null && _listsWithGaps.TryGetValue(list, out var indices))
        {
            indices.Add(originalIndex);
            return;
        }
        if (originalIndex == keptIndex) return;
        indices = new List<int>(keptIndex + 4);
        for (var i = 0; i < keptIndex; i++) indices.Add(i);
        indices.Add(originalIndex);
        (_listsWithGaps ??= new(StringComparer.Ordinal))[list] = indices;
    }

    /// <summary>The field path of the element at <paramref name="keptIndex"/> of a normalised list.</summary>
    public string ElementField(string list, int keptIndex)
    {
        var original = _listsWithGaps is not null && _listsWithGaps.TryGetValue(list, out var indices) && keptIndex < indices.Count
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
                var items = current.Items;
                next = index >= 0 && index < items.Count ? items[index] : null;
                i = close + 1;
            }
            else
            {
                if (field[i] == '.') i++;
                var end = field.AsSpan(i).IndexOfAny('.', '[');
                end = end < 0 ? field.Length : i + end;
                next = current.Get(field.AsSpan(i, end - i));
                i = end;
            }
            if (next is not { } found) return current;
            current = found;
        }
        return current;
    }
}

using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts;

/// <summary>
/// Where each field and list element of one bound object came from. Field paths use the indices of the
/// original JSON (what the user sees in the file), e.g. <c>allowed_files[3]</c> or <c>preconditions[0].path</c>;
/// list fields also map the index after normalisation (trimming, de-duplication) back to the original.
/// </summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, int> _offsets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _listIndices = new(StringComparer.Ordinal);

    public SourceMap(SourceText source, int objectOffset)
    {
        Source = source;
        ObjectOffset = objectOffset;
    }

    public SourceText Source { get; }

    public string? File => Source.Path;

    public int ObjectOffset { get; }

    public void Record(string field, int offset) => _offsets.TryAdd(field, offset);

    /// <summary>Records that the next element kept in <paramref name="list"/> came from <paramref name="originalIndex"/>.</summary>
    public void RecordKept(string list, int originalIndex)
    {
        if (!_listIndices.TryGetValue(list, out var indices)) _listIndices[list] = indices = [];
        indices.Add(originalIndex);
    }

    /// <summary>The field path of the element at <paramref name="keptIndex"/> of a normalised list.</summary>
    public string ElementField(string list, int keptIndex) =>
        _listIndices.TryGetValue(list, out var indices) && keptIndex < indices.Count
            ? $"{list}[{indices[keptIndex]}]"
            : list;

    /// <summary>The position of a field, falling back to its enclosing value, then to the object itself.</summary>
    public SourcePosition Locate(string? field)
    {
        while (!string.IsNullOrEmpty(field))
        {
            if (_offsets.TryGetValue(field, out var offset)) return Source.GetPosition(offset);
            var cut = Math.Max(field.LastIndexOf('['), field.LastIndexOf('.'));
            if (cut <= 0) break;
            field = field[..cut];
        }
        return Source.GetPosition(ObjectOffset);
    }

    public Diagnostic Create(string code, string? woId, string? field, string message)
    {
        var position = Locate(field);
        return new Diagnostic(code, DiagnosticCatalog.SeverityOf(code), woId, field, message, File, position.Line, position.Column);
    }
}

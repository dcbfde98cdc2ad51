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
    // The root object's value node per known property name, as its binder found them (-1: absent). A plan judged
    // without its repository gets two warnings per work order, and finding their lists by name again showed in profiles.
    private string[]? _rootNames;
    private int[]? _rootNodes;

    // "acceptance_commands[0]" and the like: the first elements of every list name the validators use (a fixed set of
    // literals), built once per process instead of once per diagnostic.
    private const int CachedElementNames = 16;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> ElementNames = new(StringComparer.Ordinal);

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

    /// <summary>Lets field lookups start from the nodes a binder found for <paramref name="names"/> (the root's properties).</summary>
    internal void IndexRoot(string[] names, int[] nodes)
    {
        _rootNames = names;
        _rootNodes = nodes;
    }

    /// <summary>The field path of the element at <paramref name="keptIndex"/> of a normalised list.</summary>
    public string ElementField(string list, int keptIndex) => ElementName(list, OriginalIndex(list, keptIndex));

    /// <summary>
    /// <see cref="Create"/> for the element at <paramref name="keptIndex"/> of <paramref name="list"/>, a property of
    /// the root: the same diagnostic, found without spelling the field out and reading it back.
    /// </summary>
    public Diagnostic CreateAtElement(string code, string? woId, string list, int keptIndex, string message)
    {
        var original = OriginalIndex(list, keptIndex);
        var field = ElementName(list, original);
        if (_extraOffsets is not null || RootNode(list) is not { IsArray: true } array) return Create(code, woId, field, message);
        var items = array.Items;
        return At(code, woId, field, message, Source.GetPosition((original < items.Count ? items[original] : array).Start));
    }

    private int OriginalIndex(string list, int keptIndex) =>
        _listsWithGaps is not null && _listsWithGaps.TryGetValue(list, out var indices) && keptIndex < indices.Count
            ? indices[keptIndex]
            : keptIndex;

    // A caller naming lists of its own past the validators' few cannot grow the cache without bound.
    private const int MaxCachedLists = 64;

    private static string ElementName(string list, int index)
    {
        if ((uint)index >= CachedElementNames) return $"{list}[{index}]";
        if (!ElementNames.TryGetValue(list, out var names))
        {
            if (ElementNames.Count >= MaxCachedLists) return $"{list}[{index}]";
            names = ElementNames.GetOrAdd(list, static l => [.. Enumerable.Range(0, CachedElementNames).Select(i => $"{l}[{i}]")]);
        }
        return names[index];
    }

    private JsonSyntax? RootNode(string name)
    {
        if (_rootNames is null) return null;
        for (var k = 0; k < _rootNames.Length; k++)
        {
            // Callers name lists with the same literals the binder's names hold.
            if (ReferenceEquals(_rootNames[k], name)) return _rootNodes![k] < 0 ? null : new JsonSyntax(_root.Tree, _rootNodes[k]);
        }
        return null;
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

    public Diagnostic Create(string code, string? woId, string? field, string message) => At(code, woId, field, message, Locate(field));

    private Diagnostic At(string code, string? woId, string? field, string message, SourcePosition position) =>
        new(code, DiagnosticCatalog.SeverityOf(code), woId, field, message, File, position.Line, position.Column);

    private JsonSyntax Resolve(string? field)
    {
        var current = _root;
        if (string.IsNullOrEmpty(field)) return current;
        if (RootNode(field) is { } property) return property;
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

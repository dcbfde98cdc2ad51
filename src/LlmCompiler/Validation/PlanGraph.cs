using LlmCompiler.Contracts;

namespace LlmCompiler.Validation;

/// <summary>
/// The dependency graph of a plan. A work order depends on the earlier work orders its <c>depends_on</c> names, plus
/// the implied ones: an earlier work order that creates a path it reads (<c>context_files</c>) or writes. A
/// precondition is an assertion about the state, not a fact about files: what it relies on must be declared
/// (E111), so a precondition never silently reorders a plan.
/// One without <c>depends_on</c> depends on every earlier work order (the sequential meaning of plans written
/// before the field existed). Edges only point to earlier work orders, so plan order is a topological order, and
/// two work orders are concurrent when neither is an ancestor of the other. Unknown or later ids are ignored here
/// (the chain rules report them, E107/E108).
/// </summary>
public sealed class PlanGraph
{
    private readonly IReadOnlyList<WorkOrder> _plan;
    // Only work orders that name dependencies, and callers looking an id up, need ids by position.
    private Dictionary<string, int>? _index;

    // Null for a work order without depends_on: its dependencies and ancestors are every earlier work order. Kept
    // implicit because materialising them makes a sequential plan of n work orders cost O(n^2) memory and O(n^3)
    // time (a 1,000-work-order plan took seconds to validate).
    private readonly HashSet<int>?[] _direct;
    private readonly HashSet<int>?[] _ancestors;
    private readonly HashSet<int>?[] _materializedAncestors;

    private PlanGraph(IReadOnlyList<WorkOrder> plan)
    {
        _plan = plan;
        _direct = new HashSet<int>?[plan.Count];
        _ancestors = new HashSet<int>?[plan.Count];
        _materializedAncestors = new HashSet<int>?[plan.Count];
        for (var b = 0; b < plan.Count; b++)
        {
            if (plan[b].DependsOn is not { } named) continue;
            var deps = new HashSet<int>();
            foreach (var id in named)
            {
                if (Index.TryGetValue(id, out var a) && a < b) deps.Add(a);
            }
            for (var a = 0; a < b; a++)
            {
                if (ImpliedEdge(plan[a], plan[b])) deps.Add(a);
            }
            _direct[b] = deps;
            var ancestors = new HashSet<int>(deps);
            foreach (var d in deps)
            {
                if (_ancestors[d] is { } theirs) ancestors.UnionWith(theirs);
                else for (var a = 0; a < d; a++) ancestors.Add(a);
            }
            _ancestors[b] = ancestors;
        }
    }

    public static PlanGraph Of(IReadOnlyList<WorkOrder> plan) => new(plan);

    private Dictionary<string, int> Index
    {
        get
        {
            if (_index is not null) return _index;
            var index = new Dictionary<string, int>(_plan.Count, StringComparer.Ordinal);
            for (var i = 0; i < _plan.Count; i++) index.TryAdd(_plan[i].Id, i);
            return _index = index;
        }
    }

    /// <summary>True when the plan names no dependencies at all: every work order runs after all earlier ones.</summary>
    public bool IsSequential => _plan.All(w => w.DependsOn is null);

    /// <summary>The direct dependencies of the work order at <paramref name="index"/>, in plan order.</summary>
    public IReadOnlyList<int> DependenciesOf(int index) =>
        _direct[index] is { } deps ? [.. deps.Order()] : [.. Enumerable.Range(0, index)];

    public IReadOnlySet<int> AncestorsOf(int index) =>
        _ancestors[index] ?? (_materializedAncestors[index] ??= [.. Enumerable.Range(0, index)]);

    public bool IsAncestor(int ancestor, int of) => _ancestors[of] is { } ancestors ? ancestors.Contains(ancestor) : ancestor >= 0 && ancestor < of;

    /// <summary>Neither is an ancestor of the other: they may run at the same time.</summary>
    public bool AreConcurrent(int a, int b) => a != b && !IsAncestor(a, b) && !IsAncestor(b, a);

    public int? IndexOf(string id) => Index.TryGetValue(id, out var i) ? i : null;

    /// <summary>
    /// The work orders in layers: a layer holds the work orders whose dependencies are all in earlier layers (the
    /// longest path from a root), each layer in plan order. Everything in a layer can run at once.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Layers()
    {
        var depth = new int[_plan.Count];
        var deepest = -1;
        for (var b = 0; b < _plan.Count; b++)
        {
            depth[b] = _direct[b] switch
            {
                null => deepest + 1,
                { Count: 0 } => 0,
                var deps => deps.Max(a => depth[a]) + 1,
            };
            deepest = Math.Max(deepest, depth[b]);
        }
        // Sized first, then filled visiting in plan order, which keeps every layer in plan order: a sequential plan has
        // as many layers as work orders, one array each rather than a growing list.
        var sizes = new int[deepest + 1];
        foreach (var d in depth) sizes[d]++;
        var layers = new string[deepest + 1][];
        for (var d = 0; d < layers.Length; d++) layers[d] = sizes[d] == 0 ? [] : new string[sizes[d]];
        System.Array.Clear(sizes);
        for (var i = 0; i < _plan.Count; i++) layers[depth[i]][sizes[depth[i]]++] = _plan[i].Id;
        return [.. layers.Where(layer => layer.Length > 0)];
    }

    /// <summary>An earlier work order <paramref name="a"/> creates a path <paramref name="b"/> reads or writes.</summary>
    public static bool ImpliedEdge(WorkOrder a, WorkOrder b)
    {
        // Exact paths: a case-only difference is not a dependency but a collision (E109, E110).
        var created = a.CreatedPaths;
        return created.Count > 0 && (b.ContextFiles.Any(created.Contains) || b.AllowedFiles.Any(created.Contains));
    }

    /// <summary>
    /// How the graph compares paths: after the contract's normalisation, and ignoring case, because checkouts on
    /// Windows and macOS are case-insensitive (<c>src/A.cs</c> and <c>src/a.cs</c> are one file there).
    /// </summary>
    public static StringComparer PathComparer => StringComparer.OrdinalIgnoreCase;
}

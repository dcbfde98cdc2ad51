using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Validation;

/// <summary>
/// The rules that make a plan with <c>depends_on</c> safe to run in parallel, each positioned on the offending
/// array element: ids that name nothing or nothing earlier (E107, E108); concurrent work orders that write the same
/// file (E109) or where one reads or requires what another writes (E110); a precondition that holds only because
/// of a work order that is not an ancestor (E111); a <c>depends_on</c> entry the plan already implies (W103).
/// Paths are compared after the contract's normalisation and ignoring case (<see cref="PlanGraph.PathComparer"/>).
/// A plan without <c>depends_on</c> is sequential, and none of these can apply.
/// </summary>
internal static class DagValidator
{
    public static void Validate(IReadOnlyList<BoundWorkOrder> workOrders, IReadOnlySet<string> repoFiles, List<Diagnostic> errors, List<Diagnostic> warnings)
    {
        var plan = workOrders.Select(w => w.Value).ToList();
        if (plan.All(w => w.DependsOn is null)) return;
        var graph = PlanGraph.Of(plan);
        for (var b = 0; b < workOrders.Count; b++)
        {
            DependsOnEntries(workOrders, graph, b, errors, warnings);
        }
        for (var b = 0; b < workOrders.Count; b++)
        {
            for (var a = 0; a < b; a++)
            {
                if (!graph.AreConcurrent(a, b)) continue;
                SharedWrites(workOrders[a], workOrders[b], errors);
                ReadsWhatTheOtherWrites(workOrders[a], workOrders[b], writerIsEarlier: false, errors);
                ReadsWhatTheOtherWrites(workOrders[b], workOrders[a], writerIsEarlier: true, errors);
            }
            PreconditionsFromNonAncestors(workOrders, graph, b, repoFiles, errors);
        }
    }

    private static void DependsOnEntries(IReadOnlyList<BoundWorkOrder> workOrders, PlanGraph graph, int b, List<Diagnostic> errors, List<Diagnostic> warnings)
    {
        var wo = workOrders[b];
        if (wo.Value.DependsOn is not { } named) return;
        for (var k = 0; k < named.Count; k++)
        {
            var field = wo.Map.ElementField("depends_on", k);
            var id = named[k];
            if (graph.IndexOf(id) is not { } a)
            {
                errors.Add(wo.Map.Create(DiagnosticCodes.UnknownDependency, wo.DisplayId, field,
                    $"depends_on names '{id}', which is not a work order of this plan{Suggest(id, workOrders)}"));
            }
            else if (a >= b)
            {
                errors.Add(wo.Map.Create(DiagnosticCodes.DependencyNotEarlier, wo.DisplayId, field,
                    a == b ? $"{wo.DisplayId} depends on itself" : $"depends_on names {id}, which comes later in the plan; a work order may only depend on earlier ones (plan order is the run order)"));
            }
            else if (PlanGraph.ImpliedEdge(workOrders[a].Value, wo.Value))
            {
                warnings.Add(wo.Map.Create(DiagnosticCodes.DependencyImplied, wo.DisplayId, field,
                    $"depends_on {id} is already implied: {id} creates a file {wo.DisplayId} reads or writes"));
            }
        }
    }

    /// <summary>E109: two work orders that may run at once write the same file (a case-only difference included).</summary>
    private static void SharedWrites(BoundWorkOrder a, BoundWorkOrder b, List<Diagnostic> errors)
    {
        var written = a.Value.AllowedFiles.ToHashSet(PlanGraph.PathComparer);
        for (var k = 0; k < b.Value.AllowedFiles.Count; k++)
        {
            var path = b.Value.AllowedFiles[k];
            if (!written.TryGetValue(path, out var theirs)) continue;
            var spelling = theirs == path ? "" : $" (as '{theirs}': the same file on a case-insensitive checkout)";
            errors.Add(b.Map.CreateAtElement(DiagnosticCodes.ConcurrentWrites, b.DisplayId, "allowed_files", k,
                $"{b.DisplayId} and {a.DisplayId} may run at the same time and both write '{path}'{spelling}; make one depend on the other (depends_on) or split the file"));
        }
    }

    /// <summary>
    /// E110: <paramref name="reader"/> reads or requires a file the concurrent <paramref name="writer"/> writes. A
    /// precondition on exactly the file an earlier writer creates is E111 instead (the fix is a dependency, not an order).
    /// </summary>
    private static void ReadsWhatTheOtherWrites(BoundWorkOrder reader, BoundWorkOrder writer, bool writerIsEarlier, List<Diagnostic> errors)
    {
        var written = writer.Value.AllowedFiles.ToHashSet(PlanGraph.PathComparer);
        for (var k = 0; k < reader.Value.ContextFiles.Count; k++)
        {
            if (written.Contains(reader.Value.ContextFiles[k]))
            {
                errors.Add(reader.Map.CreateAtElement(DiagnosticCodes.ConcurrentRead, reader.DisplayId, "context_files", k,
                    $"{reader.DisplayId} reads '{reader.Value.ContextFiles[k]}', which {writer.DisplayId} writes, and the two may run at the same time; add depends_on to order them"));
            }
        }
        for (var k = 0; k < reader.Value.Preconditions.Count; k++)
        {
            var condition = reader.Value.Preconditions[k];
            if (writerIsEarlier && writer.Value.CreatedPaths.Contains(condition.Path)) continue;
            if (written.Contains(condition.Path))
            {
                errors.Add(reader.Map.CreateAtElement(DiagnosticCodes.ConcurrentRead, reader.DisplayId, "preconditions", k,
                    $"{reader.DisplayId} requires {condition}, but {writer.DisplayId} writes '{condition.Path}' and the two may run at the same time; add depends_on to order them"));
            }
        }
    }

    /// <summary>
    /// E111: a <c>file_exists</c> precondition that holds in plan order only because a work order that is not an
    /// ancestor creates the file: run in parallel, it may not exist yet.
    /// </summary>
    private static void PreconditionsFromNonAncestors(IReadOnlyList<BoundWorkOrder> workOrders, PlanGraph graph, int b, IReadOnlySet<string> repoFiles, List<Diagnostic> errors)
    {
        var wo = workOrders[b];
        if (wo.Value.DependsOn is null) return;
        var linear = new FileState(repoFiles);
        var ancestral = new FileState(repoFiles);
        for (var a = 0; a < b; a++)
        {
            linear.AddRange(workOrders[a].Value.CreatedPaths);
            if (graph.IsAncestor(a, b)) ancestral.AddRange(workOrders[a].Value.CreatedPaths);
        }
        for (var k = 0; k < wo.Value.Preconditions.Count; k++)
        {
            var condition = wo.Value.Preconditions[k];
            if (condition.Kind != ConditionKind.FileExists) continue;
            if (!linear.ContainsFile(condition.Path) || ancestral.ContainsFile(condition.Path)) continue;
            var creator = Enumerable.Range(0, b).Last(a => !graph.IsAncestor(a, b) && workOrders[a].Value.CreatedPaths.Contains(condition.Path));
            errors.Add(wo.Map.CreateAtElement(DiagnosticCodes.PreconditionFromNonAncestor, wo.DisplayId, "preconditions", k,
                $"precondition {condition} holds only because {workOrders[creator].DisplayId} creates it, and {workOrders[creator].DisplayId} is not one of {wo.DisplayId}'s dependencies; add it to depends_on"));
        }
    }

    private static string Suggest(string id, IReadOnlyList<BoundWorkOrder> workOrders) =>
        NameSuggester.Suggest(id, workOrders.Select(w => w.Value.Id).Where(i => i.Length > 0)) is { } close ? $"; did you mean '{close}'?" : "";
}

using LlmCompiler.Contracts;

namespace LlmCompiler.Validation;

/// <summary>
/// Computes <c>verify_exempt</c> per work order (original §2.4, HEAD): walking the plan in order and adding each
/// work order's file_exists postconditions before judging it, a work order is exempt while some file_exists
/// requirement of the verify contract is still unmet. No contract or no requirements → nothing is exempt.
/// Values written by a model are never trusted; the planner always recomputes.
/// </summary>
public static class VerifyExemptCalculator
{
    public static IReadOnlyList<bool> Compute(IReadOnlyList<WorkOrder> workOrders, VerifyContract? contract, IReadOnlySet<string> repoFiles)
    {
        var unmet = contract?.Requires.Where(r => r.Kind == ConditionKind.FileExists && !repoFiles.Contains(r.Path)).Select(r => r.Path).ToHashSet(StringComparer.Ordinal) ?? [];
        var result = new bool[workOrders.Count];
        // The state only grows: once every requirement is met, every later work order is judged by the contract.
        for (var i = 0; i < workOrders.Count && unmet.Count > 0; i++)
        {
            foreach (var path in workOrders[i].CreatedPaths) unmet.Remove(path);
            result[i] = unmet.Count > 0;
        }
        return result;
    }
}

using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Validation;

/// <summary>
/// Runs every contract check on a plan: the document's own findings, structural checks per work order,
/// chain checks across work orders, and computes <c>verify_exempt</c>. Deterministic and never throws.
/// Order of the result (original §2.1): hard errors from the document and structural checks in emission
/// order, then chain errors, then warnings and information.
/// </summary>
public static class PlanValidator
{
    public static ValidationResult Validate(PlanDocument document, ValidationOptions? options = null)
    {
        options ??= ValidationOptions.Default;
        var structural = new List<Diagnostic>();
        var chain = new List<Diagnostic>();
        var warnings = new List<Diagnostic>();

        foreach (var d in document.DocumentDiagnostics) (d.IsError ? structural : warnings).Add(d);

        var workOrders = document.WorkOrders;
        var commands = AcceptanceCommand.OfPlan(workOrders);
        var python = options.CheckPythonSyntax ? new PythonSyntaxChecker(options.PythonInterpreter) : null;
        StructuralValidator.Validate(workOrders, commands, python, structural, warnings, document.UnreadableIndexes);
        if (document.UnreadableIndexes.Count == 0)
        {
            ChainValidator.Validate(workOrders, commands, document.VerifyContract, options.RepoFiles, chain, warnings);
            DagValidator.Validate(workOrders, options.RepoFiles, chain, warnings);
            TestsValidator.Validate(workOrders, chain);
        }
        else
        {
            // Every work order after an unreadable one would be judged without it (a false E101 for what it creates):
            // the chain is checked only up to the first unreadable file, and the verify contract not at all.
            var readable = workOrders.TakeWhile(w => w.Index < document.UnreadableIndexes[0]).ToList();
            ChainValidator.Validate(readable, commands.Take(readable.Count).ToList(), null, options.RepoFiles, chain, warnings);
            DagValidator.Validate(readable, options.RepoFiles, chain, warnings);
            TestsValidator.Validate(readable, chain);
        }
        foreach (var wo in workOrders)
        {
            if (options.EditedAfterLanding.TryGetValue(wo.DisplayId, out var commit))
            {
                warnings.Add(wo.Map.Create(DiagnosticCodes.EditedAfterLanding, wo.DisplayId, "id", EditedWorkOrderText.Message(wo.DisplayId, commit)));
            }
        }

        var exempt = VerifyExemptCalculator.Compute([.. workOrders.Select(w => w.Value)], document.VerifyContract?.Value, options.RepoFiles);
        var exemptById = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var i = 0; i < workOrders.Count; i++) exemptById.TryAdd(workOrders[i].DisplayId, exempt[i]);

        var schedule = PlanGraph.Of([.. workOrders.Select(w => w.Value)]).Layers();
        return new ValidationResult([.. structural, .. chain, .. warnings], exemptById) { Schedule = schedule };
    }
}

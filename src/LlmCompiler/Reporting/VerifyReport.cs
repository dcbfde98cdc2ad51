using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Validation;

namespace LlmCompiler.Reporting;

/// <summary>
/// What <c>llmc verify</c> (and any other front-end) reports about one plan: the diagnostics in validation
/// order and the recomputed <c>verify_exempt</c> of every work order in plan order.
/// </summary>
public sealed record VerifyReport(IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<KeyValuePair<string, bool>> VerifyExempt)
{
    public int ErrorCount => Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);

    public int WarningCount => Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);

    public bool HasErrors => ErrorCount > 0;

    /// <summary>One line for humans, e.g. <c>2 error(s), 1 warning(s)</c>.</summary>
    public string Summary => $"{ErrorCount} error(s), {WarningCount} warning(s)";

    /// <summary>The work orders in layers that can run at once, each layer in plan order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Schedule { get; init; } = [];

    /// <summary>
    /// Builds the report of a validated plan. With <paramref name="warningsAsErrors"/> every warning is reported
    /// as an error (as MSBuild's <c>-warnaserror</c> does), so the printed severity always explains the exit code.
    /// </summary>
    public static VerifyReport Create(PlanDocument document, ValidationResult result, bool warningsAsErrors = false)
    {
        var diagnostics = warningsAsErrors
            ? result.Diagnostics.Select(Promote).ToList()
            : result.Diagnostics;

        // Plan order is the order a reader expects; ids the validator did not key (duplicates) keep their first value.
        var exempt = new List<KeyValuePair<string, bool>>(document.WorkOrders.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var wo in document.WorkOrders)
        {
            var id = wo.DisplayId;
            if (!seen.Add(id)) continue;
            exempt.Add(new(id, result.VerifyExempt.TryGetValue(id, out var value) && value));
        }
        foreach (var (id, value) in result.VerifyExempt)
        {
            if (seen.Add(id)) exempt.Add(new(id, value));
        }
        return new VerifyReport(diagnostics, exempt) { Schedule = result.Schedule };
    }

    private static Diagnostic Promote(Diagnostic d) =>
        d.Severity == DiagnosticSeverity.Warning ? d with { Severity = DiagnosticSeverity.Error } : d;
}

using System.Globalization;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory;

/// <summary>One line per work order, the same in the CLI and in MSBuild output.</summary>
public static class OutcomeText
{
    public static string Line(RunOutcome o) => Line(o, static verdict => verdict);

    /// <param name="verdict">Styles the verdict word (a terminal colours it); the rest of the line stays as is.</param>
    public static string Line(RunOutcome o, Func<string, string> verdict) => o.Verdict switch
    {
        "DONE" => $"{o.WorkOrderId} already landed{(o.LandedCommit is null ? "" : $" in {Short(o.LandedCommit)}")}; skipped",
        "REFUSED" => $"{o.WorkOrderId} {verdict("not run")}: {FirstDiagnostic(o)}",
        "BLOCKED" => $"{o.WorkOrderId} {verdict("BLOCKED")}: {LastDiagnostic(o)}",
        // The merge queue landing work that passed earlier (a no-land run, a node of a fanned-out run).
        "PASS" when o.Attempts == 0 && o.LandedCommit is not null => $"{o.WorkOrderId} {verdict("landed")} {Short(o.LandedCommit)} (kept work, verified earlier)",
        _ => string.Create(CultureInfo.InvariantCulture,
            $"{o.WorkOrderId} {verdict(o.Verdict)} after {o.Attempts} attempt(s) in {o.Duration.TotalSeconds:0.0} s, {o.InputTokens} tokens in / {o.OutputTokens} out, {CostText.Describe(o.CostUsd, o.CostKnown)}")
            + (o.LandedCommit is not null ? $"; landed {Short(o.LandedCommit)}" : o.KeptBranch is not null ? $"; commit kept on {o.KeptBranch}" : ""),
    };

    /// <summary>A blocked work order's last error is why it is blocked (the ones before are what failed on the way).</summary>
    private static string LastDiagnostic(RunOutcome o) =>
        o.Diagnostics.LastOrDefault(d => d.IsError) is { } d ? $"{d.Code} {d.Message}" : "blocked";

    private static string FirstDiagnostic(RunOutcome o) =>
        o.Diagnostics.FirstOrDefault(d => d.IsError) is { } d ? $"{d.Code} {d.Message}" : "refused";

    public static string Short(string sha) => sha[..Math.Min(12, sha.Length)];
}

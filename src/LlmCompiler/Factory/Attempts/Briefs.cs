using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Processes;

namespace LlmCompiler.Factory.Attempts;

/// <summary>The failure briefs the stages hand to the next prompt, and the diagnostic behind each.</summary>
internal static class Briefs
{
    public static FailureBrief Brief(FailureStage stage, string code, string excerpt, string reminder, string? command = null, int? exitCode = null) => new()
    {
        Stage = stage, Code = code, Command = command, ExitCode = exitCode,
        PrimaryErrorExcerpt = FailureBrief.Truncate(excerpt), ConstraintsReminder = reminder,
    };

    /// <summary>
    /// A failed command's brief: the excerpt keeps every error line and the tail within the budget, normalised so the
    /// retry prompt is identical on every machine; the diagnostic names the first real error, not the first line.
    /// </summary>
    public static FailureBrief ForCommand(AttemptContext context, FailureStage stage, string code, ProcessResult r, string command, string reminder)
    {
        var failure = context.Failures;
        var stdout = context.Run.Redact(r.StdoutTail);
        var stderr = context.Run.Redact(r.StderrTail);
        var what = r.TimedOut ? $"timed out after {context.Options.CommandTimeout.TotalSeconds:0} s" : r.LaunchError is { } launch ? $"could not start: {launch}" : $"exit code {r.ExitCode}";
        var first = failure.FirstError(stdout, stderr) ?? LastMeaningfulLine(failure.Normalize(stderr)) ?? LastMeaningfulLine(failure.Normalize(stdout));
        var id = context.WorkOrder.Id;
        var cause = DiagnosticCatalog.Create(code, $"{id}: '{command}' failed ({what}){(first is null ? "" : ": " + first)}", id);
        return Brief(stage, code, failure.Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars), reminder, command, r.ExitCode) with { Cause = cause };
    }

    private static string? LastMeaningfulLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && !l.StartsWith('['));
}

using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Records;
using LlmCompiler.Processes;

namespace LlmCompiler.Factory.Attempts;

/// <summary>
/// Runs one verify or acceptance command of an attempt: journaled before it starts (pid, start time, marker, so a
/// later recovery can kill what it left), output stored within the run folder's cap, and contained — sandboxed, or
/// with the checkout, git state and home guarded and restored around it.
/// </summary>
internal static class CommandStep
{
    /// <summary>The whole run folder (every attempt's prompts, answers and command output) stays below this.</summary>
    internal const long MaxRunFolderBytes = 256L * 1024 * 1024;

    /// <returns>The result, and the fatal brief when the command changed anything outside its worktree.</returns>
    /// <param name="collectTestResults">Record the tests the command ran (TRX) in <see cref="AttemptContext.TestResults"/>.</param>
    public static async Task<(ProcessResult Result, FailureBrief? Outside)> RunAsync(AttemptContext context, IReadOnlyList<string> argv, string stem, CancellationToken ct, bool collectTestResults = false)
    {
        var run = context.Run;
        var id = context.WorkOrder.Id;
        run.Journal.Append(JournalEvents.Command, new JsonObject { ["argv"] = new JsonArray([.. argv.Select(a => (JsonNode)run.Redact(a))]) });
        run.Log.WriteLine($"llmc: {id}: running {run.Redact(string.Join(' ', argv))}{(run.Session.Sandboxed ? " (sandboxed)" : "")}");
        var remaining = MaxRunFolderBytes - run.Artifacts.SizeOnDisk();
        var storeOutput = remaining > 1024 * 1024;
        if (!storeOutput) run.Warn(DiagnosticCodes.OutputCapped, $"{id}: the run folder reached {MaxRunFolderBytes / (1024 * 1024)} MiB; the output of '{string.Join(' ', argv)}' is kept in memory only (its tail is in the summary)");
        string? marker = null;
        var result = await context.Commands.RunAsync(argv,
            storeOutput ? run.Artifacts.PathOf(stem + "_stdout.txt") : null,
            storeOutput ? run.Artifacts.PathOf(stem + "_stderr.txt") : null,
            started =>
            {
                marker = started.Marker;
                run.Journal.Append(JournalEvents.CommandStarted, new JsonObject { ["pid"] = started.Pid, ["start"] = started.StartTime.ToString("O"), ["marker"] = started.Marker });
            }, ct, collectTestResults ? stem.Replace('/', '_') : null).ConfigureAwait(false);
        if (collectTestResults) context.TestResults.AddRange(result.TestResults);
        if (marker is not null) run.Journal.Append(JournalEvents.CommandFinished, new JsonObject { ["marker"] = marker, ["exit_code"] = result.Result.ExitCode, ["leftovers_killed"] = result.Result.LeftoversKilled });
        if (result.Result.DroppedOutputBytes > 0)
        {
            run.Warn(DiagnosticCodes.OutputCapped, $"{id}: '{string.Join(' ', argv)}' printed more than {ProcessSpec.DefaultMaxStoredBytes / (1024 * 1024)} MiB on a stream; {result.Result.DroppedOutputBytes:N0} bytes from the middle were not stored");
        }
        if (result.OutsideChanges.Count > 0)
        {
            var changes = string.Join("; ", result.OutsideChanges.Take(20)) + (result.OutsideChanges.Count > 20 ? $"; … ({result.OutsideChanges.Count - 20} more)" : "");
            return (result.Result, Briefs.Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.ChangedOutsideWorktree,
                $"'{string.Join(' ', argv)}' changed files outside the attempt worktree: {changes}. The run stopped.",
                "Commands may only write inside the repository's working tree.", string.Join(' ', argv), result.Result.ExitCode));
        }
        return (result.Result, null);
    }

    /// <summary>The command as the summary records it: redacted, output tails truncated.</summary>
    public static CommandRecord Record(RunContext run, ProcessResult r) => new()
    {
        Command = [.. r.Argv.Select(run.Redact)],
        ExitCode = r.ExitCode,
        TimedOut = r.TimedOut,
        StdoutTrunc = run.Redact(FailureBrief.Truncate(r.StdoutTail)),
        StderrTrunc = run.Redact(FailureBrief.Truncate(r.StderrTail)),
        StdoutPath = r.StdoutPath,
        StderrPath = r.StderrPath,
        DurationSeconds = Math.Round(r.Duration.TotalSeconds, 3),
    };
}

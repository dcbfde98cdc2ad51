using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Records;
using LlmCompiler.Factory.TestsFirst;
using LlmCompiler.IO;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>
/// The test author's last stage: the harness runs the work order's acceptance commands on the baseline plus the new
/// tests, and they must fail for the right reason — a frozen test fails, or the build fails only for symbols the
/// implementation will add (<see cref="RedClassifier"/>). Passing is E220, any other failure E221; both go back to
/// the test author with the reason.
/// </summary>
internal sealed class RedStage : IAttemptStage
{
    public string Name => "red";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var run = context.Run;
        var commands = context.WorkOrder.AcceptanceCommands;
        var passed = true;
        var output = new System.Text.StringBuilder();
        for (var k = 0; k < commands.Count && passed; k++)
        {
            if (!CommandLine.TrySplit(commands[k], out var argv, out _)) return StageResult.Stop(Briefs.Brief(FailureStage.Preflight, DiagnosticCodes.AcceptanceFailed, $"acceptance command '{commands[k]}' cannot be split", ""));
            var (r, outside) = await CommandStep.RunAsync(context, argv, $"{context.Directory}/red_{k + 1}", ct, collectTestResults: true).ConfigureAwait(false);
            context.Record.Acceptance.Add(CommandStep.Record(run, r));
            run.Artifacts.WriteRecord($"{context.Directory}/red_result.json", context.Record.Acceptance, FactoryJsonContext.Default.ListCommandRecord);
            if (outside is not null) return StageResult.Stop(outside);
            passed = r.Succeeded;
            output.Append(context.Failures.Normalize(ReadOutput(r.StdoutPath) ?? r.StdoutTail)).Append('\n').Append(context.Failures.Normalize(ReadOutput(r.StderrPath) ?? r.StderrTail)).Append('\n');
        }
        var frozen = Written(context);
        var verdict = RedClassifier.Classify(passed, context.TestResults, output.ToString(), frozen);
        context.Red = verdict;
        run.Log.WriteLine($"llmc: {context.WorkOrder.Id}: tests written first: {verdict.Kind switch { RedKind.Red => "red", RedKind.NotRed => "not red", _ => "red for the wrong reason" }}: {verdict.Explanation}");
        return verdict.Kind switch
        {
            RedKind.Red => StageResult.Continue,
            RedKind.NotRed => StageResult.Fail(Briefs.Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.NotRed, verdict.Explanation,
                "Write tests of the behaviour this work order adds: they must fail until it is implemented.")),
            _ => StageResult.Fail(Briefs.Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.RedForWrongReason, $"{verdict.Explanation}\n{Tail(output.ToString())}",
                "The tests must compile except for the names the implementation will add, restore, and fail only in their own assertions.")),
        };
    }

    /// <summary>The test files as this attempt wrote them (the gated bytes).</summary>
    internal static FrozenTestSet Written(AttemptContext context)
    {
        var files = context.Blobs.Select(b =>
        {
            var content = context.Proposal!.Writes.First(w => (RepoPath.NormalizeOrNull(w.Path) ?? w.Path) == b.Path).Content;
            var bytes = System.Text.Encoding.UTF8.GetBytes(content);
            return new FrozenFile(b.Path, b.ObjectId, ContentHash.Sha256Hex(bytes), bytes);
        }).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var red = context.Red?.Evidence ?? new RedEvidence("", [], []);
        return new FrozenTestSet(files, red, context.Response?.Model ?? "");
    }

    private static string? ReadOutput(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = (int)Math.Min(stream.Length, 4 * 1024 * 1024);
        var buffer = new byte[length];
        stream.Seek(-length, SeekOrigin.End);
        stream.ReadExactly(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer);
    }

    private static string Tail(string text) => text.Length <= 3000 ? text.Trim() : "…" + text[^3000..].Trim();
}

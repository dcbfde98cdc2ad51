using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Git;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>
/// After a passing acceptance, with tests written first: every frozen file still holds its frozen bytes (E223; line
/// endings a checkout converts do not count), and the frozen tests passed by name (E224) — every test that failed in
/// the red run is Passed now, and no frozen test was skipped or left out. A test excluded from the build (an edit to
/// the project file, a <c>#if</c>) runs no more and is caught here, though acceptance passed.
/// </summary>
internal sealed class FrozenTestsStage : IAttemptStage
{
    public string Name => "frozen_tests";

    public ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var frozen = context.Run.Frozen!;
        foreach (var file in frozen.Files)
        {
            var path = Path.Combine(context.Worktree, file.Path);
            if (FileKinds.Of(path) != FileKind.Regular || !SameBlob(File.ReadAllBytes(path), file.BlobId, context.Run.ObjectFormat))
            {
                return StageResult.Fail(Briefs.Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.FrozenTestChanged,
                    $"the frozen test '{file.Path}' was {(FileKinds.Of(path) == FileKind.Missing ? "deleted" : "changed")} while the commands ran (frozen blob {file.BlobId[..12]})",
                    "The frozen tests are read-only: no code or command may change them."));
            }
        }

        var results = context.TestResults.Where(frozen.IsFrozenTest).ToList();
        var passed = results.Where(r => r.Passed).Select(r => r.FullName).ToHashSet(StringComparer.Ordinal);
        string? problem = null;
        if (results.Count == 0)
        {
            problem = "no test of the frozen files ran: acceptance passed without them (are they excluded from the build or the test filter?)";
        }
        else if (frozen.Red.FailingTests.Where(t => !passed.Contains(t)).ToList() is { Count: > 0 } missing)
        {
            problem = $"test(s) that failed in the red run did not pass now: {string.Join(", ", missing.Take(5))} ({string.Join(", ", missing.Take(5).Select(m => Outcome(results, m)))})";
        }
        else if (results.Where(r => !r.Passed).ToList() is { Count: > 0 } notPassed)
        {
            problem = $"frozen test(s) did not pass: {string.Join(", ", notPassed.Take(5).Select(r => $"{r.FullName} ({r.Outcome})"))}";
        }
        return problem is null ? StageResult.Continue : StageResult.Fail(Briefs.Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.FrozenTestNotGreen, problem,
            "Implement the behaviour so that every frozen test runs and passes; do not exclude or skip them."));
    }

    private static string Outcome(IReadOnlyList<TestsFirst.TestOutcome> results, string name) =>
        results.FirstOrDefault(r => r.FullName == name)?.Outcome ?? "not run";

    /// <summary>The same blob byte for byte, or once CRLF line endings are normalised as git's autocrlf would.</summary>
    private static bool SameBlob(byte[] bytes, string blob, string format)
    {
        if (GitObjectId.Blob(bytes, format) == blob) return true;
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        return text.Contains("\r\n", StringComparison.Ordinal) && GitObjectId.Blob(System.Text.Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal)), format) == blob;
    }
}

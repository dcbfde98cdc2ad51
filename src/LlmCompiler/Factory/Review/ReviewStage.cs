using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using LlmCompiler.Configuration.Roles;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Attempts;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory.Review;

/// <summary>
/// The cost-gated review, after every deterministic gate passed and before the commit: it runs only when
/// <see cref="ReviewTrigger"/> finds a reason, and only when the budget can reserve the reviewer's worst case (the
/// session refuses the call otherwise: W226). Findings become diagnostics at file and line. A critical finding on a
/// changed file re-opens the work order once as a failed attempt with the findings in its brief; a second block
/// fails it (E228). A reviewer that fails or answers nonsense never blocks (W227).
/// </summary>
internal sealed class ReviewStage : IAttemptStage
{
    /// <summary>How much of the diff the reviewer sees (director's cut).</summary>
    public const int MaxDiffChars = 20_000;

    /// <summary>A block re-opens a work order at most this often; the next block fails it.</summary>
    public const int MaxReopens = 1;

    public string Name => "review";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var run = context.Run;
        var policy = context.Options.Review;
        if (!policy.Enabled) return StageResult.Continue;
        var git = run.Session.Git;
        var entries = context.GatedEntries();
        // The candidate as a dangling commit, only to diff it: the frozen tests are shown apart, the cassettes are the tool's.
        var candidate = await git.CommitTreeAsync(run.Session.Root, run.Session.Layout.CommitScratchDirectory, run.Baseline, entries, $"llmc: review candidate of {context.WorkOrder.Id}\n", ct).ConfigureAwait(false);
        var changes = (await git.NumStatAsync(run.Session.Root, run.Baseline, candidate, ct).ConfigureAwait(false)).Select(c => new ChangedFile(c.Path, c.Added, c.Deleted)).ToList();
        var reasons = ReviewTrigger.Reasons(policy, run.Escalated, changes);
        if (reasons.Count == 0) return StageResult.Continue;

        var reviewer = context.Options.Roles.Resolve(ModelRole.Reviewer, context.Options.Model ?? "", 1);
        run.Log.WriteLine($"llmc: {context.WorkOrder.Id}: review by {reviewer.Model} because {string.Join(", ", reasons)}");
        var diff = await git.UnifiedDiffAsync(run.Session.Root, run.Baseline, candidate, ct).ConfigureAwait(false);
        var prompt = Prompt(context, diff);
        run.Artifacts.WriteText($"{context.Directory}/reviewer_prompt.md", prompt);
        run.Journal.Append(JournalEvents.LlmCall, new JsonObject { ["attempt"] = context.Attempt, ["role"] = reviewer.Name, ["model"] = reviewer.Model });
        var request = new LlmRequest(reviewer.Name, [LlmMessage.User(prompt)])
        {
            JsonSchemaName = "review_verdict", JsonSchema = ReviewVerdict.Schema,
            Model = reviewer.Model.Length == 0 ? null : reviewer.Model, Endpoint = reviewer.Endpoint, ApiKeyEnvironmentVariable = reviewer.ApiKeyVariable, Temperature = reviewer.Temperature,
        };
        var result = await run.Llm.CompleteAsync(request, ct).ConfigureAwait(false);
        run.Usage.Record(result, reviewer.Name, reviewer.Model);
        if (result.Response is not { } response)
        {
            var code = result.Error!.Code == DiagnosticCodes.BudgetExhausted ? DiagnosticCodes.ReviewSkipped : DiagnosticCodes.ReviewFailed;
            run.Warn(code, $"{context.WorkOrder.Id}: the review was {(code == DiagnosticCodes.ReviewSkipped ? "skipped: the budget cannot cover the reviewer's worst case" : "not done")} ({result.Error.Code}: {run.Redact(result.Error.Message)}); the work order was not blocked");
            return StageResult.Continue;
        }
        run.ReviewRuns++;
        run.Artifacts.WriteText($"{context.Directory}/reviewer_answer.txt", run.Redact(response.Text));
        var (verdict, problem) = ReviewVerdict.Parse(response.Text);
        if (verdict is null)
        {
            run.Warn(DiagnosticCodes.ReviewFailed, $"{context.WorkOrder.Id}: the reviewer's answer was not a verdict ({problem}); the work order was not blocked");
            return StageResult.Continue;
        }
        var changed = changes.Select(c => c.Path).ToList();
        var blocking = verdict.Blocking(changed);
        run.Journal.Append(JournalEvents.Reviewed, new JsonObject
        {
            ["attempt"] = context.Attempt, ["model"] = reviewer.Model, ["blocking"] = blocking.Count, ["findings"] = verdict.Findings.Count, ["claimed"] = verdict.ClaimedVerdict,
        });
        var final = blocking.Count > 0 && run.ReviewBlocks >= MaxReopens;
        var reported = verdict.Findings.Select(f => Diagnostic(run, context.WorkOrder.Id, f, error: final && blocking.Contains(f), reopened: blocking.Contains(f) && !final)).ToList();
        foreach (var d in reported)
        {
            run.Warnings.Add(d);
            run.Log.WriteLine(d.ToCanonicalString());
        }
        if (blocking.Count == 0) return StageResult.Continue;
        run.ReviewBlocks++;
        var brief = Briefs.Brief(FailureStage.ReviewBlocked, DiagnosticCodes.ReviewBlocked, Findings(blocking),
            "Fix these findings without touching the tests or weakening the checks; everything else about the work order is unchanged.") with
        { Cause = reported[verdict.Findings.ToList().IndexOf(blocking[0])] };
        return final ? StageResult.Stop(brief) : StageResult.Fail(brief);
    }

    private static Diagnostic Diagnostic(RunContext run, string woId, ReviewFinding finding, bool error, bool reopened)
    {
        var code = error ? DiagnosticCodes.ReviewBlocked : DiagnosticCodes.ReviewFinding;
        var what = reopened ? "critical (re-opened the work order)" : finding.Severity;
        var file = finding.File.Length > 0 && RepoPath.NormalizeOrNull(finding.File) is { } path ? Path.Combine(run.Session.Root, path) : null;
        return DiagnosticCatalog.Create(code, $"{woId}: review, {what}: {run.Redact(finding.Summary)}", woId) with
        {
            File = file, Line = file is null ? 0 : finding.Line ?? 1, Column = file is null ? 0 : 1,
        };
    }

    private static string Findings(IReadOnlyList<ReviewFinding> findings)
    {
        var sb = new StringBuilder("The reviewer blocked the change:\n");
        foreach (var f in findings) sb.Append(CultureInfo.InvariantCulture, $"- {f.File}{(f.Line is { } line ? $":{line}" : "")} ({f.Severity}): {f.Summary}\n");
        return FailureBrief.Truncate(sb.ToString());
    }

    private static string Prompt(AttemptContext context, string diff)
    {
        var run = context.Run;
        var values = ExecutorPrompt.SharedValues(context.WorkOrder, null, run.Session.Redactor);
        values["DIFF"] = diff.Length <= MaxDiffChars ? diff.TrimEnd('\n') : diff[..MaxDiffChars] + "\n…[diff cut at 20,000 characters]";
        values["FROZEN_NOTE"] = run.Frozen is null ? "" : ", and the tests written first (frozen, unchanged, green by name)";
        values["FROZEN_TESTS"] = run.Frozen is not { } frozen ? "" : "## The frozen tests (written first; the change may not touch them)\n"
            + string.Concat(frozen.Files.Select(f => $"### {f.Path}\n```\n{Encoding.UTF8.GetString(f.Content).TrimEnd('\n')}\n```\n")) + "\n";
        return ExecutorPrompt.Render("reviewer.md", values, run.Session.Redactor);
    }
}

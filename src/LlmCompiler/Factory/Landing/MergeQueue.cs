using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Attempts;
using LlmCompiler.Factory.Attempts.Stages;
using LlmCompiler.Factory.Parallel;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory.Landing;

/// <summary>
/// Lands kept work orders (from a parallel run, or from <c>--no-land</c> runs on other machines) in plan order, one at
/// a time, never moving the user's branch except by a fast-forward:
/// <list type="bullet">
/// <item>kept on the branch's current commit: fast-forward to it, as a sequential run does;</item>
/// <item>kept on a commit whose tree is the current one (the ancestors it was built on have landed since): the same
/// commit moved onto the branch — the tree it was verified on is the tree it lands on;</item>
/// <item>otherwise its writes are applied onto the branch in the landing slot and the global verification and its
/// acceptance run again on the integrated tree (<see cref="KeptProposalStage"/>); on a failure the model gets one
/// bounded repair attempt there, then the work order is BLOCKED (E240), its commit kept, and every work order that
/// depends on it is BLOCKED too (E241). Independent work continues.</item>
/// </list>
/// A work order whose hash is already in a landed trailer is skipped, so a queue run again after a crash never lands
/// anything twice.
/// </summary>
internal sealed class MergeQueue(FactorySession session, TextWriter log)
{
    public async Task<IReadOnlyDictionary<string, RunOutcome>> LandAsync(
        IReadOnlyList<WorkOrder> plan, IReadOnlyDictionary<string, KeptWork> kept, IReadOnlySet<string> notLanding, VerifyContract? verify,
        Func<ILlmClient> llmFactory, string? planDirectory, CancellationToken ct)
    {
        var graph = PlanGraph.Of(plan);
        var outcomes = new Dictionary<string, RunOutcome>(StringComparer.Ordinal);
        var blocked = new HashSet<int>(Enumerable.Range(0, plan.Count).Where(i => notLanding.Contains(plan[i].Id)));
        for (var i = 0; i < plan.Count; i++)
        {
            var wo = plan[i];
            if (!kept.TryGetValue(wo.Id, out var work)) continue;
            if (graph.AncestorsOf(i).Where(blocked.Contains).Order().Select(x => (int?)x).FirstOrDefault() is { } a)
            {
                blocked.Add(i);
                outcomes[wo.Id] = BlockedBy(wo, plan[a], work);
                continue;
            }
            var outcome = await LandOneAsync(work, verify, llmFactory, planDirectory, ct).ConfigureAwait(false);
            outcomes[wo.Id] = outcome;
            if (outcome.LandedCommit is null) blocked.Add(i);
        }
        return outcomes;
    }

    /// <summary>Lands one kept work order (its plan-order predecessors have landed or failed); its outcome says how, or why not.</summary>
    public async Task<RunOutcome> LandOneAsync(KeptWork work, VerifyContract? verify, Func<ILlmClient> llmFactory, string? planDirectory, CancellationToken ct)
    {
        var git = session.Git;
        var wo = work.WorkOrder;
        var head = await git.HeadCommitAsync(session.Root, ct).ConfigureAwait(false) ?? throw new IOException("the branch has no commit");
        var landed = await LandedWorkOrders.FindAsync(git, session.Root, [wo], ct).ConfigureAwait(false);
        if (landed.CommitByHash.TryGetValue(WorkOrderIdentity.Sha256(wo), out var already))
        {
            await DropKeptBranchAsync(work).ConfigureAwait(false);
            return new RunOutcome { WorkOrderId = wo.Id, Verdict = "DONE", ExitCode = FactoryExitCodes.Pass, Skipped = true, LandedCommit = already };
        }

        var headTree = (await git.CommitInfoAsync(session.Root, head, ct).ConfigureAwait(false)).Tree;
        var baseTree = (await git.CommitInfoAsync(session.Root, work.Base, ct).ConfigureAwait(false)).Tree;
        if (work.Base == head || baseTree == headTree)
        {
            // Verified on exactly this tree: the commit, on the current branch commit, is the commit that was checked.
            var commit = work.Base == head ? work.Commit.Id : await git.CommitExistingTreeAsync(session.Root, work.Commit.Tree, head, work.Commit.Message, ct).ConfigureAwait(false);
            log.WriteLine($"llmc: {wo.Id}: landing {Short(commit)}{(work.Base == head ? "" : $" (its commit {Short(work.Commit.Id)} moved onto {Short(head)}: same tree it was verified on)")}");
            var changed = work.Changes.Select(c => c.Path).ToList();
            var result = await new Lander(session).LandAsync(head, commit, changed, CassetteFiles(work), () => { }, ct).ConfigureAwait(false);
            if (!result.Landed)
            {
                return Blocked(wo, DiagnosticCatalog.Create(DiagnosticCodes.NotLanded, $"{wo.Id} passed but was not landed: {result.Refusal}. Its commit {Short(work.Commit.Id)} stays kept.", wo.Id), work);
            }
            await DropKeptBranchAsync(work).ConfigureAwait(false);
            return new RunOutcome { WorkOrderId = wo.Id, Verdict = "PASS", ExitCode = FactoryExitCodes.Pass, LandedCommit = commit, Commit = commit };
        }

        log.WriteLine($"llmc: {wo.Id}: the branch moved since its commit was checked; applying it onto {Short(head)} and checking it there");
        var placement = new WorkOrderPlacement(RepositoryLayout.LandingSlot,
            Pipeline: (session.Options.Pipeline ?? AttemptPipeline.Default).Replace("propose", new KeptProposalStage(work)), MaxAttempts: 2,
            Frozen: await KeptProposalStage.FrozenOfAsync(git, session.Root, work, ct).ConfigureAwait(false));
        var outcome = await session.RunPlacedAsync(wo, verify, llmFactory(), head, placement, planDirectory, log, ct).ConfigureAwait(false);
        if (outcome.LandedCommit is not null)
        {
            await DropKeptBranchAsync(work).ConfigureAwait(false);
            return outcome;
        }
        var why = outcome.Diagnostics.FirstOrDefault(d => d.IsError);
        return Blocked(wo, DiagnosticCatalog.Create(DiagnosticCodes.IntegrationFailed,
            $"{wo.Id} passed on its own but not on the integrated tree{(why is null ? "" : $" ({why.Code}: {why.Message})")}, and the repair attempt did not fix it; its commit {Short(work.Commit.Id)} stays kept", wo.Id), work, outcome);
    }

    /// <summary>The cassettes the kept commit carries (the tool's own files, which may sit untracked in the checkout).</summary>
    private static IReadOnlyDictionary<string, string> CassetteFiles(KeptWork work)
    {
        var folder = work.Commit.Message.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith(LandedWorkOrders.CassettesTrailer + ": ", StringComparison.Ordinal))?[(LandedWorkOrders.CassettesTrailer.Length + 2)..];
        return folder is null
            ? new Dictionary<string, string>()
            : work.Changes.Where(c => c.Path.StartsWith(folder + "/", StringComparison.Ordinal)).ToDictionary(c => c.Path, c => c.ObjectId, StringComparer.Ordinal);
    }

    /// <summary>Once landed, the kept branch carries nothing (it is only deleted while it still points at the kept commit).</summary>
    private async Task DropKeptBranchAsync(KeptWork work)
    {
        if (work.Branch is not { } branch) return;
        var at = await session.Git.TryRunAsync(session.Root, ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch], CancellationToken.None).ConfigureAwait(false);
        if (at.Succeeded && at.Stdout is not null && System.Text.Encoding.UTF8.GetString(at.Stdout).Trim() == work.Commit.Id)
        {
            await session.Git.DeleteBranchAsync(session.Root, branch, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A kept work order that is not landed because a work order it depends on did not land (E241).</summary>
    public static RunOutcome BlockedBy(WorkOrder wo, WorkOrder dependency, KeptWork work) =>
        Blocked(wo, DiagnosticCatalog.Create(DiagnosticCodes.DependencyNotLanded,
            $"{wo.Id} was not landed: it depends on {dependency.Id}, which did not land; its commit {Short(work.Commit.Id)} stays kept", wo.Id), work);

    private static RunOutcome Blocked(WorkOrder wo, Diagnostic why, KeptWork work, RunOutcome? attempt = null) => new()
    {
        WorkOrderId = wo.Id, Verdict = "BLOCKED", ExitCode = FactoryExitCodes.Fail, Commit = work.Commit.Id,
        KeptBranch = work.Branch, Diagnostics = [.. attempt?.Diagnostics ?? [], why],
        Attempts = attempt?.Attempts ?? 0, InputTokens = attempt?.InputTokens ?? 0, OutputTokens = attempt?.OutputTokens ?? 0,
        CostUsd = attempt?.CostUsd ?? 0, CostKnown = attempt?.CostKnown ?? true, RunDirectory = attempt?.RunDirectory,
    };

    private static string Short(string sha) => sha[..Math.Min(12, sha.Length)];
}

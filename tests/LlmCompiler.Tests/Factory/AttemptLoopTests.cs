using LlmCompiler.Contracts;
using LlmCompiler.Factory;
using LlmCompiler.Factory.Records;
using LlmCompiler.Llm;
using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Factory;

/// <summary>The attempt loop's routing, stages and codes, driven in-process by a scripted model on real repositories.</summary>
[TestClass]
public sealed class AttemptLoopTests
{
    private const string Empty = FileWrite.EmptySha256;

    private static WorkOrder Wo(string file = "hello.txt", string acceptance = "grep -q hello hello.txt", IReadOnlyList<Condition>? pre = null, bool exempt = false, Provenance? provenance = null) => new()
    {
        Id = "WO-01", Title = "Create " + file, Intent = "Create it.", AllowedFiles = [file],
        Preconditions = pre ?? [Condition.Absent(file)], Postconditions = [Condition.Exists(file)],
        AcceptanceCommands = [acceptance], VerifyExempt = exempt, Provenance = provenance,
    };

    private static async Task<(RunOutcome Outcome, RunSummary Summary)> RunAsync(TestRepo repo, WorkOrder wo, ILlmClient llm, FactoryOptions? options = null, VerifyContract? verify = null, CancellationToken ct = default)
    {
        var (session, diagnostics) = await FactorySession.OpenAsync(repo.Root, options ?? new FactoryOptions { MaxAttempts = 3 }, TextWriter.Null, ct);
        Assert.IsNotNull(session, string.Join("\n", diagnostics));
        using (session)
        {
            var outcome = await session.RunWorkOrderAsync(wo, verify, llm, ct);
            var summary = RunSummary.Read(Path.Combine(outcome.RunDirectory!, RunSummary.FileName));
            return (outcome, summary);
        }
    }

    private static string Proposal(string path, string content, string sha = Empty) => WorkOrderFiles.Proposal((path, sha, content));

    [TestMethod]
    public async Task A_false_precondition_is_preflight_E204_with_no_model_call_and_no_retry()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var llm = ScriptedLlmClient.Answering((_, _) => Proposal("hello.txt", "hello"));
        var (outcome, summary) = await RunAsync(repo, Wo(pre: [Condition.Exists("missing.txt")]), llm);
        Assert.AreEqual(1, outcome.ExitCode);
        Assert.IsEmpty(llm.Requests);
        Assert.AreEqual(1, summary.TotalAttempts);
        var brief = summary.Attempts[0].FailureBrief!;
        Assert.AreEqual(FailureStage.Preflight, brief.Stage);
        Assert.AreEqual("E204", brief.Code);
        StringAssert.Contains(brief.PrimaryErrorExcerpt, "PLANNER-CONTRACT BUG");
    }

    [TestMethod]
    public async Task Unparseable_answers_are_retried_and_then_pass()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var llm = ScriptedLlmClient.Answering((_, n) => n == 1 ? "I cannot do that" : Proposal("hello.txt", "hello\n"));
        var (outcome, summary) = await RunAsync(repo, Wo(), llm);
        Assert.AreEqual(0, outcome.ExitCode);
        Assert.AreEqual(2, llm.Requests.Count);
        Assert.AreEqual(FailureStage.LlmOutputInvalid, summary.Attempts[0].FailureBrief!.Stage);
        StringAssert.Contains(llm.Requests[1].Messages[^1].Content, "llm_output_invalid");
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("hello.txt")));
    }

    [TestMethod]
    public async Task Verify_command_failure_is_E209_and_the_override_replaces_the_contract()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var llm = ScriptedLlmClient.Answering((_, _) => Proposal("hello.txt", "hello\n"));
        var (outcome, summary) = await RunAsync(repo, Wo(), llm, new FactoryOptions { MaxAttempts = 1 }, new VerifyContract { Command = "sh -c 'echo broken >&2; exit 3'" });
        Assert.AreEqual(1, outcome.ExitCode);
        var brief = summary.Attempts[0].FailureBrief!;
        Assert.AreEqual("E209", brief.Code);
        Assert.AreEqual(3, brief.ExitCode);
        Assert.AreEqual("[stderr]\nbroken", brief.PrimaryErrorExcerpt);

        var (passed, _) = await RunAsync(repo, Wo(), llm, new FactoryOptions { MaxAttempts = 1, VerifyCommandOverride = ["true"] }, new VerifyContract { Command = "false" });
        Assert.AreEqual(0, passed.ExitCode);
    }

    [TestMethod]
    public async Task Missing_postcondition_is_E210_at_acceptance_failed()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var wo = Wo() with { AllowedFiles = ["hello.txt", "other.txt"], Postconditions = [Condition.Exists("hello.txt"), Condition.Exists("other.txt")] };
        var llm = ScriptedLlmClient.Answering((_, _) => Proposal("hello.txt", "hello\n"));
        var (outcome, summary) = await RunAsync(repo, wo, llm, new FactoryOptions { MaxAttempts = 1 });
        Assert.AreEqual(1, outcome.ExitCode);
        var brief = summary.Attempts[0].FailureBrief!;
        Assert.AreEqual(FailureStage.AcceptanceFailed, brief.Stage);
        Assert.AreEqual("E210", brief.Code);
    }

    [TestMethod]
    public async Task A_fatal_model_error_stops_without_retrying()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var llm = ScriptedLlmClient.Failing("E306");
        var (outcome, summary) = await RunAsync(repo, Wo(), llm, new FactoryOptions { MaxAttempts = 4 });
        Assert.AreEqual(1, outcome.ExitCode);
        Assert.HasCount(1, llm.Requests);
        Assert.AreEqual("E306", summary.Attempts[0].FailureBrief!.Code);
    }

    [TestMethod]
    public async Task When_the_branch_moves_during_the_run_the_commit_is_kept_on_an_llmc_branch_E213()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var llm = ScriptedLlmClient.Answering((_, _) =>
        {
            // The user commits while the model is "thinking".
            repo.Write("user.txt", "mine\n").Commit("user work");
            return Proposal("hello.txt", "hello\n");
        });
        var userHeadBefore = repo.Head;
        var (outcome, _) = await RunAsync(repo, Wo(), llm, new FactoryOptions { MaxAttempts = 1 });
        Assert.AreEqual(1, outcome.ExitCode);
        Assert.AreEqual("E213", outcome.Diagnostics.Single().Code);
        Assert.IsNotNull(outcome.KeptBranch);
        Assert.AreEqual("hello\n", repo.Git("show", $"{outcome.KeptBranch}:hello.txt"));
        Assert.AreNotEqual(userHeadBefore, repo.Head, "the user's own commit must stay");
        Assert.IsFalse(File.Exists(repo.PathOf("hello.txt")));
    }

    [TestMethod]
    public async Task Cancellation_is_exit_130_and_the_checkout_is_untouched()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        using var cts = new CancellationTokenSource();
        var llm = new ScriptedLlmClient((_, _) => { cts.Cancel(); throw new OperationCanceledException(cts.Token); });
        var before = repo.CheckoutHash();
        var (outcome, summary) = await RunAsync(repo, Wo(), llm, ct: cts.Token);
        Assert.AreEqual(130, outcome.ExitCode);
        Assert.AreEqual("E216", outcome.Diagnostics.Single().Code);
        Assert.AreEqual("ERROR", summary.Verdict);
        Assert.AreEqual(before, repo.CheckoutHash());
    }

    [TestMethod]
    public async Task Acceptance_code_that_plants_git_config_or_hooks_without_a_sandbox_is_undone_and_stops_the_run()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        repo.Write("tools/evil.sh", "#!/bin/sh\nd=$(git rev-parse --git-common-dir)\nprintf '[core]\\n\\tfsmonitor = touch pwned\\n' >> \"$d/config\"\nprintf '#!/bin/sh\\n' > \"$d/hooks/post-merge\"\n").Commit("tools");
        var configBefore = File.ReadAllBytes(repo.PathOf(".git/config"));
        var hooksBefore = TestRepo.TreeHash(repo.PathOf(".git/hooks"));
        var llm = ScriptedLlmClient.Answering((_, _) => Proposal("hello.txt", "hello\n"));
        var (outcome, summary) = await RunAsync(repo, Wo(acceptance: "sh tools/evil.sh"), llm, new FactoryOptions { MaxAttempts = 3, Sandbox = new(LlmCompiler.Sandbox.SandboxMode.Off) });
        Assert.AreEqual(1, outcome.ExitCode);
        Assert.HasCount(1, llm.Requests, "tampering must stop the run, not retry");
        Assert.AreEqual("E218", summary.Attempts[0].FailureBrief!.Code);
        var excerpt = summary.Attempts[0].FailureBrief!.PrimaryErrorExcerpt;
        StringAssert.Contains(excerpt, "outside the attempt worktree");
        StringAssert.Contains(excerpt, ".git/config");
        StringAssert.Contains(excerpt, ".git/hooks/post-merge");
        CollectionAssert.AreEqual(configBefore, File.ReadAllBytes(repo.PathOf(".git/config")));
        Assert.AreEqual(hooksBefore, TestRepo.TreeHash(repo.PathOf(".git/hooks")));
    }

    [TestMethod]
    public async Task Acceptance_code_that_plants_git_config_or_hooks_in_the_sandbox_cannot_write_them()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        repo.Write("tools/evil.sh", "#!/bin/sh\nd=$(git rev-parse --git-common-dir)\nprintf '[core]\\n\\tfsmonitor = touch pwned\\n' >> \"$d/config\"\nprintf '#!/bin/sh\\n' > \"$d/hooks/post-merge\"\n").Commit("tools");
        var configBefore = File.ReadAllBytes(repo.PathOf(".git/config"));
        var hooksBefore = TestRepo.TreeHash(repo.PathOf(".git/hooks"));
        var llm = ScriptedLlmClient.Answering((_, _) => Proposal("hello.txt", "hello\n"));
        var (outcome, _) = await RunAsync(repo, Wo(acceptance: "sh tools/evil.sh"), llm, new FactoryOptions { MaxAttempts = 1, Sandbox = new(LlmCompiler.Sandbox.SandboxMode.Required) });
        Assert.AreEqual(1, outcome.ExitCode, "the script's writes fail, so it fails");
        CollectionAssert.AreEqual(configBefore, File.ReadAllBytes(repo.PathOf(".git/config")));
        Assert.AreEqual(hooksBefore, TestRepo.TreeHash(repo.PathOf(".git/hooks")));
    }

    [TestMethod]
    public void Verify_exempt_policy_follows_the_original()
    {
        Assert.IsNull(FactorySession.VerifyExemptRefusal(Wo(), allowVerifyExempt: false));
        Assert.IsNull(FactorySession.VerifyExemptRefusal(Wo(exempt: true), allowVerifyExempt: true));
        Assert.IsNull(FactorySession.VerifyExemptRefusal(Wo(exempt: true, provenance: new Provenance { PlannerRunId = "01ABC", Bootstrap = true }), false));
        Assert.AreEqual("E203", FactorySession.VerifyExemptRefusal(Wo(exempt: true), false)!.Code);
        Assert.AreEqual("E203", FactorySession.VerifyExemptRefusal(Wo(exempt: true, provenance: new Provenance { PlannerRunId = "01ABC", Bootstrap = false }), false)!.Code);
        Assert.AreEqual("E203", FactorySession.VerifyExemptRefusal(Wo(exempt: true, provenance: new Provenance { PlannerRunId = "", Bootstrap = true }), false)!.Code);
    }

    [TestMethod]
    public void Prompt_substitution_is_a_single_pass()
    {
        var rendered = LlmCompiler.Llm.PromptText.Render("T={{TITLE}} C={{CONTEXT_FILES}}", new Dictionary<string, string> { ["TITLE"] = "{{CONTEXT_FILES}}", ["CONTEXT_FILES"] = "ctx" });
        Assert.AreEqual("T={{CONTEXT_FILES}} C=ctx", rendered);
    }

    [TestMethod]
    public void The_executor_prompt_shows_hashes_hides_secret_files_and_redacts_the_key()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        repo.Write("notes.txt", "token sk-live-1234567890abcdef here\n");
        var wo = Wo() with { ContextFiles = ["README.md", ".env", "notes.txt"] };
        var prompt = ExecutorPrompt.Build(wo, repo.Root, null, redactor: new LlmCompiler.Secrets.SecretRedactor(["sk-live-1234567890abcdef"]));
        StringAssert.Contains(prompt, WriteGate.Sha256OfFile(repo.PathOf("README.md")));
        StringAssert.Contains(prompt, "# demo");
        Assert.DoesNotContain("sk-user-local-secret", prompt);
        Assert.DoesNotContain("sk-live-1234567890abcdef", prompt);
        StringAssert.Contains(prompt, "### hello.txt\nexists: false\nsha256: " + Empty);
    }

    [TestMethod]
    public void Command_lines_split_like_a_shell_without_running_one()
    {
        Assert.IsTrue(CommandLine.TrySplit("python -c 'print(\"a b\")' \"x y\" z\\ w", out var argv, out _));
        CollectionAssert.AreEqual(new[] { "python", "-c", "print(\"a b\")", "x y", "z w" }, argv.ToArray());
        Assert.IsFalse(CommandLine.TrySplit("echo 'open", out _, out var error));
        Assert.AreEqual("unterminated single quote", error);
        Assert.IsFalse(CommandLine.TrySplit("echo a|b", out _, out error), "an operator the validator would flag (E003) never runs as a literal argument");
        StringAssert.Contains(error, "'|'");
        Assert.IsFalse(CommandLine.TrySplit("   ", out _, out error));
        Assert.AreEqual("empty command", error);
        Assert.IsFalse(CommandLine.TrySplit("   ", out _, out _));
    }

    [TestMethod]
    public void The_work_order_hash_ignores_provenance_and_unknown_properties_but_not_content()
    {
        var a = WorkOrderIdentity.Sha256(Wo());
        Assert.AreEqual(a, WorkOrderIdentity.Sha256(Wo(provenance: new Provenance { PlannerRunId = "x" })));
        Assert.AreNotEqual(a, WorkOrderIdentity.Sha256(Wo(acceptance: "grep -q hi hello.txt")));
    }
}

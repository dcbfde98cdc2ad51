using LlmCompiler.Contracts;
using LlmCompiler.Factory;
using LlmCompiler.Factory.Attempts;
using LlmCompiler.Factory.Records;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// The attempt as an ordered list of stages: a stage added in a few lines runs in its place, sees what the stages
/// before it produced, can fail the attempt like any built-in one, and appears in the attempt record.
/// </summary>
[TestClass]
public sealed class AttemptPipelineTests
{
    private const string Empty = FileWrite.EmptySha256;

    /// <summary>A stage that only notes what it saw: the seam a reviewer, frozen tests or flake re-runs would use.</summary>
    private sealed class ObservingStage(Func<AttemptContext, StageResult>? verdict = null) : IAttemptStage
    {
        public List<(int Attempt, IReadOnlyList<string> Touched)> Seen { get; } = [];

        public string Name => "observe";

        public ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
        {
            Seen.Add((context.Attempt, context.Record.TouchedFiles));
            return verdict?.Invoke(context) ?? StageResult.Continue;
        }
    }

    private static WorkOrder Wo() => new()
    {
        Id = "WO-01", Title = "Create hello.txt", Intent = "Create it.", AllowedFiles = ["hello.txt"],
        Preconditions = [Condition.Absent("hello.txt")], Postconditions = [Condition.Exists("hello.txt")],
        AcceptanceCommands = ["grep -q hello hello.txt"],
    };

    private static async Task<(RunOutcome Outcome, RunSummary Summary)> RunAsync(TestRepo repo, ILlmClient llm, AttemptPipeline pipeline, int attempts = 3)
    {
        var (session, diagnostics) = await FactorySession.OpenAsync(repo.Root, new FactoryOptions { MaxAttempts = attempts, Pipeline = pipeline }, TextWriter.Null, CancellationToken.None);
        Assert.IsNotNull(session, string.Join("\n", diagnostics));
        using (session)
        {
            var outcome = await session.RunWorkOrderAsync(Wo(), null, llm, CancellationToken.None);
            return (outcome, RunSummary.Read(Path.Combine(outcome.RunDirectory!, RunSummary.FileName)));
        }
    }

    [TestMethod]
    public async Task A_stage_added_after_the_write_gate_runs_in_order_and_is_recorded()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var observe = new ObservingStage();
        var llm = ScriptedLlmClient.Answering((_, _) => WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));

        var (outcome, summary) = await RunAsync(repo, llm, AttemptPipeline.Default.InsertAfter("write", observe));

        Assert.AreEqual("PASS", outcome.Verdict);
        Assert.HasCount(1, observe.Seen);
        CollectionAssert.AreEqual(new[] { "hello.txt" }, observe.Seen[0].Touched.ToArray(), "it ran after the write gate, and saw what it wrote");
        CollectionAssert.AreEqual(new[] { "precondition", "propose", "write", "observe", "verify", "postcondition", "acceptance", "review", "commit" },
            summary.Attempts[0].Stages.Select(s => s.Name).ToArray());
        Assert.IsTrue(summary.Attempts[0].Stages.All(s => s.Passed));
    }

    [TestMethod]
    public async Task An_added_stage_that_fails_ends_the_attempt_and_its_brief_reaches_the_next_prompt()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var observe = new ObservingStage(context => context.Attempt == 1
            ? StageResult.Fail(Briefs.Brief(FailureStage.AcceptanceFailed, "E211", "a reviewer would say: greet the user by name", "Address the review."))
            : StageResult.Continue);
        var llm = ScriptedLlmClient.Answering((_, n) => WorkOrderFiles.Proposal(("hello.txt", Empty, $"hello {n}\n")));

        var (outcome, summary) = await RunAsync(repo, llm, AttemptPipeline.Default.InsertAfter("acceptance", observe));

        Assert.AreEqual("PASS", outcome.Verdict);
        Assert.HasCount(2, llm.Requests);
        StringAssert.Contains(llm.Requests[1].Messages[^1].Content, "greet the user by name");
        var first = summary.Attempts[0].Stages;
        Assert.AreEqual("observe", first[^1].Name);
        Assert.IsFalse(first[^1].Passed);
        Assert.IsFalse(first.Any(s => s.Name == "commit"), "a failed attempt makes no commit");
        Assert.AreEqual("hello 2\n", File.ReadAllText(repo.PathOf("hello.txt")));
    }

    [TestMethod]
    public void Inserting_after_an_unknown_stage_is_refused_rather_than_appended_somewhere()
    {
        Assert.ThrowsExactly<ArgumentException>(() => AttemptPipeline.Default.InsertAfter("no-such-stage", new ObservingStage()));
        CollectionAssert.AreEqual(new[] { "precondition", "propose", "write", "verify", "postcondition", "acceptance", "review", "commit" },
            AttemptPipeline.Default.Stages.Select(s => s.Name).ToArray());
    }

    [TestMethod]
    public async Task Answers_that_are_never_parseable_end_with_the_parse_error_at_its_position_in_the_saved_answer()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var llm = ScriptedLlmClient.Answering((_, _) => "{\n  \"summary\": \"x\",\n  \"writes\": [ oops ]\n}");

        var (outcome, summary) = await RunAsync(repo, llm, AttemptPipeline.Default, attempts: 2);

        Assert.AreEqual("FAIL", outcome.Verdict);
        var final = outcome.Diagnostics.First(d => d.IsError);
        Assert.AreNotEqual("E212", final.Code);
        StringAssert.EndsWith(final.File!.Replace('\\', '/'), "attempt_2/raw_llm_response.txt");
        Assert.AreEqual(3, final.Line, final.ToCanonicalString());
        Assert.IsGreaterThan(0, final.Column);
        Assert.IsFalse(final.Message.TrimEnd().EndsWith("Parse error:", StringComparison.Ordinal), final.Message);
        Assert.IsGreaterThan(("WO-01: ").Length + 5, final.Message.Length, "the message says what is wrong");
        StringAssert.Contains(summary.Diagnostics[0], "raw_llm_response.txt(3,");
    }
}

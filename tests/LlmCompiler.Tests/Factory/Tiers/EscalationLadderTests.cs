using LlmCompiler.Configuration.Roles;
using LlmCompiler.Contracts;
using LlmCompiler.Factory.Escalation;

namespace LlmCompiler.Tests.Factory.Tiers;

/// <summary>
/// The ladder as a table: for every difficulty and every kind of verdict, the roles of the attempts it gives one after
/// the other (each attempt failing with that verdict) and why it stops. X = executor, S = escalation (the strong model).
/// </summary>
[TestClass]
public sealed class EscalationLadderTests
{
    private static readonly ResolvedRole Executor = new(ModelRole.Executor, "cheap", null, null, null, 3, Bound: true);
    private static readonly ResolvedRole Strong = new(ModelRole.Escalation, "strong", null, null, null, 1, Bound: true);
    private static readonly ResolvedRole NoEscalation = new(ModelRole.Escalation, "cheap", null, null, null, 0, Bound: false);

    // Verdicts: an ordinary failure (E211 acceptance), a verdict retried but never escalated (E225 flaky with
    // --retry-flaky), a non-retryable one (E204 precondition, preflight), and an ordinary failure that repeats.
    [TestMethod]
    [DataRow("easy", "E211", true, false, "X X X S", LadderStop.Exhausted)]
    [DataRow("medium", "E211", true, false, "X X X S", LadderStop.Exhausted)]
    [DataRow("hard", "E211", true, false, "S S", LadderStop.Exhausted)]
    [DataRow("easy", "E209", true, false, "X X X S", LadderStop.Exhausted)]
    [DataRow("medium", "E214", true, false, "X X X S", LadderStop.Exhausted)]
    [DataRow("hard", "E303", true, false, "S S", LadderStop.Exhausted)]
    [DataRow("easy", "E225", true, false, "X X X", LadderStop.Exhausted)]
    [DataRow("medium", "E225", true, false, "X X X", LadderStop.Exhausted)]
    [DataRow("hard", "E225", true, false, "S S", LadderStop.Exhausted)]
    [DataRow("medium", "E306", true, false, "X X X", LadderStop.Exhausted)]
    [DataRow("medium", "E217", true, false, "X X X", LadderStop.Exhausted)]
    [DataRow("medium", "E221", true, false, "X X X", LadderStop.Exhausted)]
    [DataRow("easy", "E204", false, false, "X", LadderStop.NotRetryable)]
    [DataRow("medium", "E204", false, false, "X", LadderStop.NotRetryable)]
    [DataRow("hard", "E204", false, false, "S", LadderStop.NotRetryable)]
    [DataRow("medium", "E208", false, false, "X", LadderStop.NotRetryable)]
    [DataRow("easy", "E211", true, true, "X S", LadderStop.Repeated)]
    [DataRow("medium", "E211", true, true, "X S", LadderStop.Repeated)]
    [DataRow("hard", "E211", true, true, "S", LadderStop.Repeated)]
    [DataRow("medium", "E225", true, true, "X", LadderStop.Repeated)]
    public void The_ladder_gives_these_attempts_for_each_verdict_and_difficulty(string difficulty, string code, bool retryable, bool repeated, string expected, LadderStop stop)
    {
        var ladder = EscalationLadder.For(WorkOrderDifficulties.Parse(difficulty)!.Value, Executor, Strong);
        var (roles, halted, escalations) = Walk(ladder, new AttemptVerdict(code, retryable, repeated));
        Assert.AreEqual(expected, roles);
        Assert.AreEqual(stop, halted);
        Assert.AreEqual(expected.Contains("X S", StringComparison.Ordinal) ? 1 : 0, escalations, "an escalation is announced exactly when the role changes");
    }

    [TestMethod]
    [DataRow("easy", "E211", "X X X")]
    [DataRow("medium", "E211", "X X X")]
    [DataRow("hard", "E211", "X X X")]
    [DataRow("hard", "E204", "X")]
    public void Without_an_escalation_role_every_difficulty_stays_on_the_executor(string difficulty, string code, string expected)
    {
        var ladder = EscalationLadder.For(WorkOrderDifficulties.Parse(difficulty)!.Value, Executor, NoEscalation);
        var (roles, _, escalations) = Walk(ladder, new AttemptVerdict(code, code != "E204"));
        Assert.AreEqual(expected, roles);
        Assert.AreEqual(0, escalations);
    }

    [TestMethod]
    public void The_attempts_of_each_role_are_its_own()
    {
        var ladder = EscalationLadder.For(WorkOrderDifficulty.Medium, Executor with { Attempts = 2 }, Strong with { Attempts = 3 });
        Assert.AreEqual("X X S S S", Walk(ladder, new AttemptVerdict("E211", true)).Roles);
        Assert.AreEqual(5, ladder.TotalAttempts);
        Assert.AreEqual("S S S", Walk(EscalationLadder.For(WorkOrderDifficulty.Hard, Executor, Strong with { Attempts = 3 }), new AttemptVerdict("E211", true)).Roles);
    }

    [TestMethod]
    public void A_repeat_on_the_last_rung_stops_at_once()
    {
        var ladder = EscalationLadder.For(WorkOrderDifficulty.Medium, Executor, Strong with { Attempts = 3 });
        var first = ladder.Next(null, null);
        var second = ladder.Next(first.Next, new AttemptVerdict("E211", true));
        Assert.AreEqual(ModelRole.Executor, second.Role);
        var jumped = ladder.Next(second.Next, new AttemptVerdict("E211", true, Repeated: true));
        Assert.AreEqual(ModelRole.Escalation, jumped.Role);
        Assert.IsTrue(jumped.Escalates);
        Assert.AreEqual(LadderStop.Repeated, ladder.Next(jumped.Next, new AttemptVerdict("E211", true, Repeated: true)).Stop);
    }

    [TestMethod]
    public void A_ladder_without_attempts_stops_before_the_first()
    {
        var ladder = new EscalationLadder([new(ModelRole.Executor, 0)]);
        Assert.AreEqual(LadderStop.Exhausted, ladder.Next(null, null).Stop);
    }

    /// <summary>Every attempt fails with <paramref name="verdict"/>: the roles in order, why it stopped, how often it escalated.</summary>
    private static (string Roles, LadderStop? Stop, int Escalations) Walk(EscalationLadder ladder, AttemptVerdict verdict)
    {
        var roles = new List<string>();
        var escalations = 0;
        LadderPosition? position = null;
        AttemptVerdict? last = null;
        for (var guard = 0; guard < 50; guard++)
        {
            var decision = ladder.Next(position, last);
            if (decision.Stop is { } stop) return (string.Join(' ', roles), stop, escalations);
            roles.Add(decision.Role == ModelRole.Executor ? "X" : "S");
            if (decision.Escalates) escalations++;
            position = decision.Next;
            last = verdict;
        }
        Assert.Fail("the ladder never stopped");
        return default;
    }
}

using LlmCompiler.Configuration.Roles;
using LlmCompiler.Factory.Review;

namespace LlmCompiler.Tests.Factory.Tiers;

/// <summary>When the reviewer runs, and how its answer is read.</summary>
[TestClass]
public sealed class ReviewTriggerTests
{
    private static readonly ReviewPolicy Policy = new() { Enabled = true, ChangedFilesOver = 3, ChangedLinesOver = 300, Always = ["**/*.csproj", "src/Security/**"] };

    private static IReadOnlyList<ChangedFile> Files(int count, int linesEach, string ext = ".cs") =>
        [.. Enumerable.Range(1, count).Select(i => new ChangedFile($"src/Lib/F{i}{ext}", linesEach, 0))];

    // The trigger matrix: escalated × files × lines × always-paths, and the policy off.
    [TestMethod]
    [DataRow(false, 1, 10, false, true, false)]
    [DataRow(true, 1, 10, false, true, true)]
    [DataRow(false, 3, 10, false, true, false)]
    [DataRow(false, 4, 10, false, true, true)]
    [DataRow(false, 1, 300, false, true, false)]
    [DataRow(false, 1, 301, false, true, true)]
    [DataRow(false, 2, 151, false, true, true)]
    [DataRow(false, 1, 10, true, true, true)]
    [DataRow(true, 9, 999, true, false, false)]
    public void The_reviewer_runs_only_for_escalation_size_or_an_always_path(bool escalated, int files, int lines, bool touchesProject, bool enabled, bool runs)
    {
        var changes = Files(files, lines).ToList();
        if (touchesProject) changes.Add(new ChangedFile("src/Lib/Lib.CSPROJ", 1, 1));
        var reasons = ReviewTrigger.Reasons(Policy with { Enabled = enabled }, escalated, changes);
        Assert.AreEqual(runs, reasons.Count > 0, string.Join("; ", reasons));
    }

    [TestMethod]
    public void Each_reason_is_named()
    {
        var reasons = ReviewTrigger.Reasons(Policy, true, [.. Files(4, 100), new ChangedFile("src/Security/Token.cs", 1, 0)]);
        Assert.HasCount(4, reasons);
        Assert.AreEqual("it escalated", reasons[0]);
        StringAssert.Contains(reasons[1], "5 files");
        StringAssert.Contains(reasons[2], "401 lines");
        StringAssert.Contains(reasons[3], "src/Security/Token.cs");
    }

    [TestMethod]
    public void A_block_is_recomputed_from_critical_findings_on_changed_files()
    {
        var (verdict, problem) = ReviewVerdict.Parse("""
            {"verdict":"pass","summary":"looks fine","findings":[
              {"severity":"critical","file":"src/Lib/Parser.cs","line":12,"summary":"returns a constant"},
              {"severity":"critical","file":"src/Other.cs","line":null,"summary":"not part of the change"},
              {"severity":"major","file":"src/Lib/Parser.cs","line":40,"summary":"empty input"}]}
            """);
        Assert.IsNull(problem);
        var blocking = verdict!.Blocking(["src/Lib/Parser.cs"]);
        Assert.AreEqual("returns a constant", blocking.Single().Summary, "the model said pass; the critical finding on a changed file blocks anyway");
        Assert.IsEmpty(ReviewVerdict.Parse("""{"verdict":"block","summary":"","findings":[{"severity":"major","file":"a.cs","line":1,"summary":"x"}]}""").Verdict!.Blocking(["a.cs"]),
            "a block without a critical finding does not block");
    }

    [TestMethod]
    [DataRow("Looks good to me!")]
    [DataRow("```json\n{\"verdict\":\"pass\"}\n```")]
    [DataRow("{\"verdict\":\"maybe\",\"summary\":\"\",\"findings\":[]}")]
    [DataRow("{\"verdict\":\"pass\",\"summary\":\"\"}")]
    [DataRow("{\"verdict\":\"block\",\"summary\":\"\",\"findings\":[{\"severity\":\"fatal\",\"file\":\"a.cs\",\"line\":1,\"summary\":\"x\"}]}")]
    [DataRow("[1,2,3]")]
    public void Anything_but_the_verdict_schema_is_not_a_verdict(string answer)
    {
        var (verdict, problem) = ReviewVerdict.Parse(answer);
        Assert.IsNull(verdict);
        Assert.IsNotNull(problem);
    }
}

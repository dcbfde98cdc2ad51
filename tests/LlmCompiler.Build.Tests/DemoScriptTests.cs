namespace LlmCompiler.Build.Tests;

/// <summary>
/// The README's first command, exactly as a user runs it: samples/run-demo.sh packs the package, plans the
/// TextKit sample and runs the factory in replay mode from the committed cassettes, then the product's tests.
/// A prompt or contract change that invalidates the recorded cassettes fails here, not in a user's hands.
/// </summary>
[TestClass]
public sealed class DemoScriptTests
{
    [TestMethod]
    public void The_readme_demo_plans_lands_every_work_order_and_the_product_tests_pass_offline()
    {
        using var scratch = new TempDirectory("llmc-demo-test");
        var root = SourceTree.Root;
        var before = ChildProcess.Git(root, "status", "--porcelain", "--untracked-files=all");

        var result = ChildProcess.Run("bash", root, [Path.Combine(root, "samples", "run-demo.sh")],
            new Dictionary<string, string?>
            {
                ["LLMC_DEMO_DIR"] = scratch.Path,
                // A planted key must not be needed, sent or kept: replay makes no model call.
                ["OPENAI_API_KEY"] = "sk-CANARY-" + Guid.NewGuid().ToString("N"),
            },
            TimeSpan.FromMinutes(12));

        Assert.AreEqual(0, result.ExitCode, result.Output);
        StringAssert.Contains(result.Output, "PlanWorkOrders: spec/textkit.md -> 4 work order(s)");
        StringAssert.Contains(result.Output, "(1 from cassettes)");
        foreach (var id in new[] { "WO-01", "WO-02", "WO-03", "WO-04" })
        {
            StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex($@"Factory: {id} PASS after 1 attempt\(s\)"));
        }
        StringAssert.Contains(result.Output, "4 LLM call(s) (4 from cassettes)");
        StringAssert.Contains(result.Output, "Passed!  - Failed:     0, Passed:    89");
        StringAssert.Contains(result.Output, "replayed from cassettes: nothing was spent now");

        var product = Path.Combine(scratch.Path, "products", "TextKit");
        var subjects = ChildProcess.Git(product, "log", "--format=%s").Output;
        StringAssert.StartsWith(subjects, "WO-04: ");
        Assert.AreEqual("", ChildProcess.Git(product, "status", "--porcelain", "--untracked-files=all").Output, "the demo left the product repository dirty");
        Assert.AreEqual(before.Output, ChildProcess.Git(root, "status", "--porcelain", "--untracked-files=all").Output, "the demo modified the checkout it ran from");
    }
}

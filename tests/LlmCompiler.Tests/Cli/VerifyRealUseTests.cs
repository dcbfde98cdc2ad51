using System.Text.Json.Nodes;

namespace LlmCompiler.Tests.Cli;

/// <summary>
/// <c>llmc verify</c> as a new user runs it inside a repository: the repository is the one the plan is in, one
/// work-order file can be checked on its own, a syntax slip is reported once, and a misspelt context file is caught.
/// </summary>
[TestClass]
public sealed class VerifyRealUseTests
{
    private static string WorkOrder(string id, string creates, string[]? needs = null, string[]? context = null, string title = "Create it") =>
        new JsonObject
        {
            ["id"] = id, ["title"] = title, ["intent"] = $"Create {creates}.",
            ["preconditions"] = new JsonArray([
                .. (needs ?? []).Select(n => (JsonNode)new JsonObject { ["kind"] = "file_exists", ["path"] = n }),
                new JsonObject { ["kind"] = "file_absent", ["path"] = creates }]),
            ["postconditions"] = new JsonArray(new JsonObject { ["kind"] = "file_exists", ["path"] = creates }),
            ["allowed_files"] = new JsonArray(creates),
            ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray($"test -f {creates}"),
            ["context_files"] = new JsonArray([.. (context ?? []).Select(c => (JsonNode)c)]), ["notes"] = null,
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    private static TestRepo RepoWithPlan(params (string Id, string Json)[] workOrders)
    {
        var repo = new TestRepo();
        repo.Write("src/app.txt", "app\n").Write("README.md", "# app\n");
        foreach (var (id, json) in workOrders) repo.Write($"workorders/{id}.json", json);
        repo.Commit("plan");
        return repo;
    }

    [TestMethod]
    public async Task Without_repo_the_plan_is_judged_against_the_repository_it_sits_in()
    {
        using var repo = RepoWithPlan(("WO-01", WorkOrder("WO-01", "src/new.txt", needs: ["src/app.txt"], context: ["src/app.txt"])));
        using var empty = new TempDirectory();

        var inRepo = await CliRun.RunAsync("verify", repo.PathOf("workorders"));
        var againstEmpty = await CliRun.RunAsync("verify", repo.PathOf("workorders"), "--repo", empty.Path);

        Assert.AreEqual(0, inRepo.ExitCode, inRepo.Stdout + inRepo.Stderr);
        Assert.AreEqual("0 error(s), 0 warning(s)", inRepo.Stderr.Trim());
        Assert.AreEqual(2, againstEmpty.ExitCode, "control: the same plan against an empty tree needs src/app.txt");
        StringAssert.Contains(againstEmpty.Stdout, "error E101");
    }

    [TestMethod]
    public async Task One_work_order_file_is_checked_within_its_plan_and_only_its_findings_are_reported()
    {
        using var repo = RepoWithPlan(
            ("WO-01", WorkOrder("WO-01", "src/one.txt").Replace("\"title\": \"Create it\"", "\"title\": 42", StringComparison.Ordinal)),
            ("WO-02", WorkOrder("WO-02", "src/two.txt", needs: ["src/one.txt"])));

        var second = await CliRun.RunAsync("verify", repo.PathOf("workorders/WO-02.json"));
        var first = await CliRun.RunAsync("verify", repo.PathOf("workorders/WO-01.json"));

        Assert.AreEqual(0, second.ExitCode, "WO-02 is fine (it may rely on WO-01's file):\n" + second.Stdout + second.Stderr);
        Assert.AreEqual("", second.Stdout);
        Assert.IsFalse((second.Stdout + second.Stderr).Contains("E000", StringComparison.Ordinal), "a work-order file is not read as a manifest");
        Assert.IsFalse((second.Stdout + second.Stderr).Contains("W102", StringComparison.Ordinal));
        Assert.AreEqual(2, first.ExitCode);
        var line = first.StdoutLines.Single();
        StringAssert.StartsWith(line, repo.PathOf("workorders/WO-01.json") + "(");
        StringAssert.Contains(line, "error E005");
    }

    [TestMethod]
    public async Task A_missing_comma_in_one_work_order_is_one_error_and_no_consequential_ones()
    {
        var broken = WorkOrder("WO-01", "src/one.txt").Replace("\"title\": \"Create it\",", "\"title\": \"Create it\"", StringComparison.Ordinal);
        using var repo = RepoWithPlan(
            ("WO-01", broken),
            ("WO-02", WorkOrder("WO-02", "src/two.txt")),
            ("WO-03", WorkOrder("WO-03", "src/three.txt", needs: ["src/two.txt"])));

        var run = await CliRun.RunAsync("verify", repo.PathOf("workorders"));

        Assert.AreEqual(2, run.ExitCode);
        var errors = run.StdoutLines.Where(l => l.Contains(": error ", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, errors, run.Stdout);
        StringAssert.StartsWith(errors[0], repo.PathOf("workorders/WO-01.json") + "(");
        StringAssert.Contains(errors[0], "error E000");
        Assert.AreEqual("1 error(s), 0 warning(s)", run.Stderr.Trim(), run.Stdout);
    }

    [TestMethod]
    public async Task A_context_file_that_never_exists_is_a_warning_at_its_entry_and_real_ones_are_not()
    {
        using var repo = RepoWithPlan(
            ("WO-01", WorkOrder("WO-01", "src/one.txt", context: ["src/app.txt", "README.md"])),
            ("WO-02", WorkOrder("WO-02", "src/two.txt", context: ["src/one.txt", "src/ap.txt"])));

        var run = await CliRun.RunAsync("verify", repo.PathOf("workorders"));

        Assert.AreEqual(0, run.ExitCode, "a warning does not fail verify");
        var warning = run.StdoutLines.Single();
        StringAssert.StartsWith(warning, repo.PathOf("workorders/WO-02.json") + "(");
        StringAssert.Contains(warning, "warning W105");
        StringAssert.Contains(warning, "src/ap.txt");
        StringAssert.Contains(warning, "did you mean 'src/app.txt'");
        Assert.AreEqual("0 error(s), 1 warning(s)", run.Stderr.Trim());
    }
}

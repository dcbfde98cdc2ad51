using System.Reflection;
using LlmCompiler.Build.Tasks;
using LlmCompiler.Build.Tests.TestSupport;
using Microsoft.Build.Framework;

namespace LlmCompiler.Build.Tests;

[TestClass]
public sealed class VerifyContractTaskTests
{
    private TempDirectory _dir = null!;

    [TestInitialize]
    public void Setup() => _dir = new TempDirectory();

    [TestCleanup]
    public void Cleanup() => _dir.Dispose();

    private (VerifyContract Task, FakeBuildEngine Engine) NewTask(params string[] workOrders)
    {
        var engine = new FakeBuildEngine();
        var task = new VerifyContract
        {
            BuildEngine = engine,
            WorkOrders = TaskItems.Of(workOrders),
            ProjectDirectory = _dir.Path,
            CheckPythonSyntax = false,
        };
        return (task, engine);
    }

    [TestMethod]
    public void Error_is_logged_with_code_full_path_and_json_position()
    {
        var text = WorkOrderFiles.WithNumberInAllowedFiles("WO-02");
        var wo1 = _dir.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/A.cs"));
        var wo2 = _dir.Write("workorders/WO-02.json", text);
        var (task, engine) = NewTask(wo1, wo2);

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single(e => e.Code == "E005");
        var (line, column) = WorkOrderFiles.PositionOf(text, "42");
        Assert.AreEqual((7, 9), (line, column), "fixture drifted");
        Assert.AreEqual(Path.GetFullPath(wo2), error.File);
        Assert.AreEqual(line, error.LineNumber);
        Assert.AreEqual(column, error.ColumnNumber);
        Assert.AreEqual(0, error.EndLineNumber);
        Assert.IsNull(error.Subcategory, "a subcategory would break the canonical 'file(l,c): error CODE' form");
        Assert.AreEqual("E005", error.HelpKeyword);
        Assert.IsNull(error.HelpLink, "no help link while the docs have no public address (DiagnosticCatalog.HelpBaseUri)");
        StringAssert.StartsWith(error.Message, "WO-02");
        Assert.AreEqual(task.ErrorCount, engine.Errors.Count);
        Assert.IsTrue(task.ErrorCount >= 1);
    }

    [TestMethod]
    public void Valid_plan_succeeds_without_errors_or_warnings()
    {
        var wo1 = _dir.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/A.cs"));
        var wo2 = _dir.Write("workorders/WO-02.json", WorkOrderFiles.Creating("WO-02", "src/B.cs"));
        var (task, engine) = NewTask(wo2, wo1);

        Assert.IsTrue(task.Execute(), string.Join("\n", engine.Errors.Select(e => $"{e.Code} {e.Message}")));
        Assert.AreEqual(0, engine.Errors.Count);
        Assert.AreEqual(0, engine.Warnings.Count);
        Assert.IsTrue(engine.Messages.Any(m => m.Message!.Contains("2 work order(s)", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Warning_is_logged_at_the_unknown_property_and_does_not_fail_the_task()
    {
        var text = WorkOrderFiles.Creating("WO-01", "src/A.cs", extraProperty: "\"postcondition\": []");
        var wo1 = _dir.Write("workorders/WO-01.json", text);
        var (task, engine) = NewTask(wo1);

        Assert.IsTrue(task.Execute());

        var warning = engine.Warnings.Single(w => w.Code == "W102");
        var (line, _) = WorkOrderFiles.PositionOf(text, "\"postcondition\"");
        Assert.AreEqual(Path.GetFullPath(wo1), warning.File);
        Assert.AreEqual(line, warning.LineNumber);
        Assert.IsTrue(warning.ColumnNumber > 0);
        Assert.AreEqual(1, task.WarningCount);
    }

    [TestMethod]
    public void Manifest_findings_are_located_in_the_manifest()
    {
        var wo1 = _dir.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/A.cs"));
        const string manifestText = "{\n  \"system_overview\": [],\n  \"verify_contract\": 7,\n  \"work_orders\": []\n}\n";
        var manifest = _dir.Write("workorders/WORK_ORDERS_MANIFEST.json", manifestText);
        var (task, engine) = NewTask(wo1);
        task.Manifest = manifest;

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single(e => e.File == Path.GetFullPath(manifest));
        Assert.AreEqual("E000", error.Code);
        Assert.AreEqual(WorkOrderFiles.PositionOf(manifestText, "7").Line, error.LineNumber);
    }

    [TestMethod]
    public void Missing_manifest_is_ignored()
    {
        var wo1 = _dir.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/A.cs"));
        var (task, engine) = NewTask(wo1);
        task.Manifest = _dir.Combine("workorders", "WORK_ORDERS_MANIFEST.json");

        Assert.IsTrue(task.Execute(), string.Join("\n", engine.Errors.Select(e => e.Message)));
    }

    [TestMethod]
    public void Unreadable_work_order_is_E501_not_an_exception()
    {
        var (task, engine) = NewTask(_dir.Combine("workorders", "WO-01.json"));

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("E501", error.Code);
        StringAssert.Contains(error.Message, "WO-01.json");
        Assert.IsFalse(error.Message.Contains("   at ", StringComparison.Ordinal), "no stack trace");
    }

    [TestMethod]
    public void No_work_orders_is_nothing_to_verify()
    {
        var (task, engine) = NewTask();

        Assert.IsTrue(task.Execute());
        Assert.AreEqual(0, engine.Errors.Count);
    }

    [TestMethod]
    public void Repo_root_that_is_not_a_repository_is_E500()
    {
        var wo1 = _dir.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/A.cs"));
        var (task, engine) = NewTask(wo1);
        task.RepoRoot = _dir.Combine("no-such-dir");

        Assert.IsFalse(task.Execute());
        Assert.AreEqual("E500", engine.Errors.Single().Code);
    }

    [TestMethod]
    public void Cancelled_task_returns_false_reports_nothing_and_says_so()
    {
        var wo1 = _dir.Write("workorders/WO-01.json", WorkOrderFiles.WithNumberInAllowedFiles("WO-01"));
        var (task, engine) = NewTask(wo1);

        task.Cancel();

        Assert.IsFalse(task.Execute());
        Assert.IsTrue(task.Cancelled);
        Assert.AreEqual(0, engine.Errors.Count, "a cancelled run must not report findings it did not finish");
        Assert.IsTrue(engine.Messages.Any(m => m.Message!.Contains("cancelled", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Tasks_take_no_secret_parameter_and_never_log_the_key()
    {
        foreach (var type in typeof(LlmcTask).Assembly.GetTypes().Where(t => typeof(ITask).IsAssignableFrom(t) && !t.IsAbstract))
        {
            var suspicious = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite && LooksLikeSecret(p.Name))
                .Select(p => p.Name).ToList();
            Assert.AreEqual(0, suspicious.Count, $"{type.Name} exposes {string.Join(", ", suspicious)}");
        }

        var canary = $"sk-CANARY-{Guid.NewGuid():N}";
        var previous = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", canary);
        try
        {
            var wo1 = _dir.Write("workorders/WO-01.json", WorkOrderFiles.WithNumberInAllowedFiles("WO-01"));
            var (task, engine) = NewTask(wo1);
            task.Execute();
            Assert.IsTrue(engine.Errors.Count > 0);
            Assert.IsFalse(engine.AllText.Any(t => t.Contains(canary, StringComparison.Ordinal)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENAI_API_KEY", previous);
        }
    }

    // A parameter may name the variable that holds the key (LlmcApiKeyEnv → ApiKeyEnvironmentVariable), never hold it.
    private static bool LooksLikeSecret(string name) =>
        !name.EndsWith("EnvironmentVariable", StringComparison.Ordinal) && !name.EndsWith("Env", StringComparison.Ordinal)
        && (name.Contains("Key", StringComparison.OrdinalIgnoreCase) || name.Contains("Secret", StringComparison.OrdinalIgnoreCase)
            || name.Contains("Token", StringComparison.OrdinalIgnoreCase) || name.Contains("Password", StringComparison.OrdinalIgnoreCase));
}

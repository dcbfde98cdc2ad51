using LlmCompiler.Build.Tasks;
using LlmCompiler.Build.Tests.TestSupport;
using LlmCompiler.Contracts;

namespace LlmCompiler.Build.Tests;

/// <summary>The Factory task over the engine's run-all, on a real git repository; replay mode with no cassettes.</summary>
[TestClass]
public sealed class ExecuteWorkOrderTaskTests
{
    private TestRepo _repo = null!;
    private string _wo1 = null!;

    [TestInitialize]
    public void Setup()
    {
        _repo = new TestRepo();
        _repo.Write(".gitignore", ".llmc/\nbin/\nobj/\n").Write("llmc/cassettes/.gitkeep", "")
            .Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs"))
            .Commit("plan");
        _wo1 = _repo.PathOf("workorders/WO-01.json");
    }

    [TestCleanup]
    public void Cleanup() => _repo.Dispose();

    private (ExecuteWorkOrder Task, FakeBuildEngine Engine) NewTask()
    {
        var engine = new FakeBuildEngine();
        var task = new ExecuteWorkOrder
        {
            BuildEngine = engine,
            WorkOrders = TaskItems.Of(_wo1),
            WorkOrdersDirectory = "workorders/",
            ProjectDirectory = _repo.Root,
            Mode = "replay",
            CassettesDirectory = "llmc/cassettes/",
        };
        return (task, engine);
    }

    [TestMethod]
    public void Landed_work_order_is_skipped_without_an_llm_call()
    {
        var wo = PlanLoader.LoadFiles([_wo1], null).Document!.WorkOrders[0].Value;
        _repo.Write("src/Greeter.cs", "// landed\n").Commit($"WO-01: greeter\n\nWork-Order: WO-01\nLlmc-Run: r1\nWork-Order-Sha256: {WorkOrderIdentity.Sha256(wo)}");
        var (task, engine) = NewTask();

        Assert.IsTrue(task.Execute(), string.Join("\n", engine.Errors.Select(e => $"{e.Code} {e.Message}")));

        Assert.AreEqual("DONE", task.Outcomes.Single().GetMetadata("Verdict"));
        Assert.IsTrue(engine.Messages.Any(m => m.Message!.Contains("WO-01 already landed", StringComparison.Ordinal)));
        Assert.IsTrue(engine.Messages.Any(m => m.Message!.Contains("0 LLM call(s)", StringComparison.Ordinal)), string.Join("\n", engine.Messages.Select(m => m.Message)));
    }

    [TestMethod]
    public void Cassette_miss_fails_the_work_order_at_its_file()
    {
        var (task, engine) = NewTask();

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.First(e => e.Code == "E305");
        Assert.AreEqual(Path.GetFullPath(_wo1), error.File);
        Assert.AreEqual("FAIL", task.Outcomes.Single().GetMetadata("Verdict"));
        Assert.IsFalse(File.Exists(_repo.PathOf("src/Greeter.cs")), "nothing may land on a failure");
    }

    [TestMethod]
    [DataRow(null, 0.0)]
    [DataRow("0.3", 0.3)]
    public void The_run_summary_records_the_temperature_that_was_sent(string? property, double sent)
    {
        using var server = LoopbackLlmServer.AnsweringAsync(WorkOrderFiles.ProposalCreating("Add Greeter.", ("src/Greeter.cs", "// greeter\n"))).GetAwaiter().GetResult();
        var (task, engine) = NewTask();
        task.Mode = "live";
        task.Endpoint = server.BaseUrl.ToString();
        task.Model = "loopback-model";
        task.Temperature = property;
        task.Sandbox = "off";

        // Whether the work order passes does not matter here (its acceptance is a bare `dotnet build`): the summary is written either way.
        task.Execute();

        Assert.IsNotEmpty(server.Requests, string.Join("\n", engine.Errors.Select(e => $"{e.Code} {e.Message}")));
        using var body = System.Text.Json.JsonDocument.Parse(server.Requests[0].Body);
        var onTheWire = body.RootElement.TryGetProperty("temperature", out var t) ? t.GetDouble() : double.NaN;
        Assert.AreEqual(sent, onTheWire, 1e-6);
        var summary = Directory.GetFiles(_repo.PathOf(".llmc/runs/factory"), "run_summary.json", SearchOption.AllDirectories).Single();
        var recorded = LlmCompiler.Factory.Records.RunSummary.Read(summary).Config!.LlmTemperature;
        Assert.IsNotNull(recorded, "the summary must not say null for a temperature that was sent");
        Assert.AreEqual(sent, recorded.Value, 1e-6);
    }

    [TestMethod]
    public void A_dirty_checkout_is_reported_at_the_plan_not_at_the_package_targets_and_an_unrelated_untracked_file_is_not_dirt()
    {
        _repo.Write("NOTES.local.md", "mine\n").Write(".gitignore", ".llmc/\nbin/\nobj/\n# edited, not committed\n");
        var (task, engine) = NewTask();

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single(e => e.Code == "E201");
        Assert.AreEqual(_wo1, error.File, "a build error points at the plan the user is running");
        StringAssert.Contains(error.Message, ".gitignore");
        Assert.IsFalse(error.Message.Contains("NOTES.local.md", StringComparison.Ordinal), error.Message);
    }

    [TestMethod]
    public void Invalid_setting_is_E500_before_any_git_work()
    {
        var (task, engine) = NewTask();
        task.Mode = "sometimes";

        Assert.IsFalse(task.Execute());
        Assert.AreEqual("E500", engine.Errors.Single().Code);
    }

    [TestMethod]
    public void Cancel_during_the_model_call_stops_quickly_and_leaves_the_checkout_as_it_was()
    {
        using var server = LoopbackLlmServer.AnsweringAsync("{}", delay: TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        var head = _repo.Head;
        var (task, engine) = NewTask();
        task.Mode = "live";
        task.Endpoint = server.BaseUrl.ToString();
        var previous = Environment.GetEnvironmentVariable("LLMC_TEST_CANCEL_KEY");
        Environment.SetEnvironmentVariable("LLMC_TEST_CANCEL_KEY", "sk-test-cancel");
        task.ApiKeyEnvironmentVariable = "LLMC_TEST_CANCEL_KEY";
        try
        {
            var run = Task.Run(task.Execute);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (server.RequestCount == 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.AreEqual(1, server.RequestCount, "the run never reached the model");

            task.Cancel();

            Assert.IsTrue(run.Wait(TimeSpan.FromSeconds(30)), "cancellation did not stop the run");
            Assert.IsFalse(run.Result);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LLMC_TEST_CANCEL_KEY", previous);
        }
        Assert.AreEqual(head, _repo.Head, "nothing may land");
        Assert.AreEqual("", _repo.Git("status", "--porcelain", "--untracked-files=all").Trim(), "the checkout must be as it was");
        Assert.IsFalse(engine.Errors.Any(e => e.Code == "E215"), string.Join("\n", engine.Errors.Select(e => $"{e.Code} {e.Message}")));
    }
}

using LlmCompiler.Cli;
using LlmCompiler.IO;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// <c>run_summary.json</c> per scenario against a golden copy (TestData/Golden): what the bench, the run report and
/// the user read after a run, guarded so that restructuring the attempt cannot change it unnoticed.
/// </summary>
[TestClass]
public sealed class RunSummaryGoldenTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    private static async Task<string> RunAsync(TestRepo repo, LoopbackLlmServer server, string wo, params string[] more)
    {
        var key = "LLMC_GOLDEN_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(key, "sk-CANARY-golden");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        await CliApp.RunAsync(["run", wo, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--sandbox", "off", .. more], stdout, stderr);
        return Directory.GetFiles(repo.PathOf(".llmc/runs/factory"), "run_summary.json", SearchOption.AllDirectories).Single();
    }

    private static (string, string)[] Folders(TestRepo repo, LoopbackLlmServer server) =>
        [(repo.Base, "<base>"), (Environment.GetEnvironmentVariable(RepositoryLayout.CacheVariable)!, "<cache>"), (server.BaseUrl.ToString(), "<endpoint>/")];

    [TestMethod]
    public async Task Pass()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));

        GoldenSummary.AssertMatches("pass", await RunAsync(repo, server, wo), Folders(repo, server));
    }

    [TestMethod]
    public async Task Fail_after_retries()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, $"attempt {request.Number}\n")));
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));

        GoldenSummary.AssertMatches("fail-after-retries", await RunAsync(repo, server, wo, "--max-attempts", "2"), Folders(repo, server));
    }

    [TestMethod]
    public async Task Refused_by_the_write_gate()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n"), ("README.md", Empty, "taken over\n")));
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));

        GoldenSummary.AssertMatches("write-gate-refusal", await RunAsync(repo, server, wo, "--max-attempts", "1"), Folders(repo, server));
    }

    [TestMethod]
    public async Task Recovered()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        RecoveryLandingTests.DeadRunWithKeptCommit(repo, "20261201T000000Z-0badc0de");

        await RecoveryLandingTests.OpenAndCloseSession(repo);

        var summary = Directory.GetFiles(repo.PathOf(".llmc/runs/factory"), "run_summary.json", SearchOption.AllDirectories).Single();
        GoldenSummary.AssertMatches("recovered", summary, (repo.Base, "<base>"));
    }
}

using System.Text.Json.Nodes;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// Preflight validation sees the repository being run as it was before the plan started: files already
/// tracked satisfy <c>file_exists</c>, and landed work orders keep their <c>file_absent</c> preconditions true.
/// </summary>
public sealed partial class FactoryEndToEndTests
{
    /// <summary>Creates <paramref name="file"/>, requiring the tracked README.md to exist and the file to be absent.</summary>
    private static string NeedsReadme(string id, string file) =>
        new JsonObject
        {
            ["id"] = id, ["title"] = $"Create {file}", ["intent"] = $"Create {file} as the README describes.",
            ["preconditions"] = new JsonArray(
                new JsonObject { ["kind"] = "file_exists", ["path"] = "README.md" },
                new JsonObject { ["kind"] = "file_absent", ["path"] = file }),
            ["postconditions"] = new JsonArray(new JsonObject { ["kind"] = "file_exists", ["path"] = file }),
            ["allowed_files"] = new JsonArray(file),
            ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray($"grep -q hello {file}"),
            ["context_files"] = new JsonArray("README.md"), ["notes"] = null,
        }.ToJsonString();

    private static LoopbackLlmServer Writes(LoopbackLlmServer server)
    {
        server.Responder = request =>
        {
            var n = int.Parse(WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value[3..]);
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"f{n}.txt", Empty, $"hello {n}\n")));
        };
        return server;
    }

    [TestMethod]
    public async Task Run_all_accepts_a_file_exists_precondition_on_a_tracked_file()
    {
        using var repo = NewRepo();
        await using var server = Writes(await LoopbackLlmServer.StartAsync());
        var key = NewKey(out _);
        Plan(repo, "WO-01", NeedsReadme("WO-01", "f1.txt"));

        var (exit, stdout, stderr) = await Llmc(["run-all", .. Common(repo, server, key, Path.Combine(repo.Base, "plan"))]);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.DoesNotContain("E101", stdout + stderr);
        Assert.AreEqual(1, server.RequestCount);
        Assert.AreEqual("hello 1\n", File.ReadAllText(repo.PathOf("f1.txt")));
    }

    [TestMethod]
    public async Task Run_accepts_a_file_exists_precondition_on_a_tracked_file()
    {
        using var repo = NewRepo();
        await using var server = Writes(await LoopbackLlmServer.StartAsync());
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", NeedsReadme("WO-01", "f1.txt"));

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo)]);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(1, server.RequestCount);
    }

    [TestMethod]
    public async Task Run_all_after_WO_01_landed_still_validates_and_runs_the_rest()
    {
        // WO-01 needs README.md (tracked) and f1.txt absent: an empty listing fails the first, today's working
        // tree fails the second once WO-01 has landed; only the plan's baseline satisfies both.
        using var repo = NewRepo();
        await using var server = Writes(await LoopbackLlmServer.StartAsync());
        var key = NewKey(out _);
        var planDir = Path.Combine(repo.Base, "plan");
        Plan(repo, "WO-01", NeedsReadme("WO-01", "f1.txt"));
        var (first, stdout1, stderr1) = await Llmc(["run-all", .. Common(repo, server, key, planDir)]);
        Assert.AreEqual(0, first, stdout1 + stderr1);
        Assert.IsTrue(File.Exists(repo.PathOf("f1.txt")));

        Plan(repo, "WO-02", NeedsReadme("WO-02", "f2.txt"));
        var (second, stdout2, stderr2) = await Llmc(["run-all", .. Common(repo, server, key, planDir)]);

        Assert.AreEqual(0, second, stdout2 + stderr2);
        Assert.DoesNotContain("E101", stdout2 + stderr2);
        Assert.AreEqual(2, server.RequestCount, "WO-01 is skipped as landed; only WO-02 asks the model");
        StringAssert.Contains(stdout2, "already landed");
        Assert.AreEqual("hello 2\n", File.ReadAllText(repo.PathOf("f2.txt")));
    }
}

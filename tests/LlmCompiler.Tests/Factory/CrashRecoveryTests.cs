using System.Diagnostics;
using LlmCompiler.IO;
using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// kill -9 of the real <c>llmc</c> process at randomized moments of a <c>run-all</c>. After every kill the user's
/// checkout must be as before the run or as the last PASS left it (tracked, untracked and ignored files); the
/// next run must clean up and carry on by itself, and a final run must finish the plan.
/// </summary>
[TestClass]
public sealed class CrashRecoveryTests
{
    private const int Kills = 24;
    private const int WorkOrders = 3;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Kill_9_at_random_points_keeps_the_checkout_consistent_and_a_rerun_finishes_the_plan()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LLMC_CRASH_SEED"), out var s) ? s : 20261122;
        var random = new Random(seed);
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request =>
        {
            var prompt = request.MessageContents[^1];
            var n = int.Parse(prompt[(prompt.IndexOf("Work order WO-", StringComparison.Ordinal) + 14)..].Split(':')[0]);
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"f{n}.txt", LlmCompiler.Contracts.FileWrite.EmptySha256, $"hello {n}\n"))) with { Delay = TimeSpan.FromMilliseconds(random.Next(0, 300)) };
        };
        var keyName = "LLMC_CRASH_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(keyName, "sk-crash-" + Guid.NewGuid().ToString("N"));

        var repos = new List<TestRepo>();
        TestRepo? repo = null;
        string baseline = "";
        var kills = 0;
        var killedAt = new List<string>();
        try
        {
            while (kills < Kills)
            {
                if (repo is null)
                {
                    repo = FactoryEndToEndTests.NewRepo();
                    repos.Add(repo);
                    for (var n = 1; n <= WorkOrders; n++) FactoryEndToEndTests.Plan(repo, $"WO-0{n}", WorkOrderFiles.Compact($"WO-0{n}", $"f{n}.txt", $"grep -q hello f{n}.txt"));
                    baseline = repo.Head;
                }
                lock (Output) Output.Clear();
                using var child = StartLlmc(repo, server, keyName);
                var delay = random.Next(0, 3000);
                if (child.WaitForExit(delay))
                {
                    child.WaitForExit();
                    Assert.AreEqual(0, child.ExitCode, "an uninterrupted run-all failed: " + Output);
                    AssertConsistent(repo, baseline, expectComplete: true);
                    repo = null;
                    continue;
                }
                child.Kill(); // SIGKILL to llmc alone: a git child it started may finish on its own, as after a real crash.
                child.WaitForExit();
                kills++;
                await Task.Delay(300);
                killedAt.Add($"{delay} ms: after '{LastJournalEvent(repo) ?? "(no run yet)"}'");
                AssertConsistent(repo, baseline, expectComplete: false);
            }

            // The last repository was left after a kill: one more run must recover and finish the plan.
            using var final = StartLlmc(repo!, server, keyName);
            Assert.IsTrue(final.WaitForExit(120_000), "the recovery run hung");
            final.WaitForExit();
            Assert.AreEqual(0, final.ExitCode, "the recovery run failed: " + Output);
            AssertConsistent(repo!, baseline, expectComplete: true);
            FactoryEndToEndTests.AssertOnlyOwnWorktrees(repo!);
            Assert.AreEqual("", repo!.Git("branch", "--list", "llmc/*").Trim(), "stale llmc/ branches remain");
            Assert.IsFalse(Directory.Exists(repo.PathOf(".git/llmc/active")) && Directory.GetFiles(repo.PathOf(".git/llmc/active")).Length > 0, "runs still marked active");
            TestContext.WriteLine($"seed {seed}; {kills} kills over {repos.Count} repositories:\n" + string.Join("\n", killedAt));
        }
        finally
        {
            Environment.SetEnvironmentVariable(keyName, null);
            foreach (var r in repos) r.Dispose();
        }
    }

    private static readonly System.Text.StringBuilder Output = new();

    private static Process StartLlmc(TestRepo repo, LoopbackLlmServer server, string keyName)
    {
        var llmc = LlmcProcess.Dll;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = repo.Base };
        foreach (var arg in new[] { llmc, "run-all", "--repo", repo.Root, Path.Combine(repo.Base, "plan"), "--endpoint", server.BaseUrl.ToString(), "--api-key-env", keyName, "--model", "loopback", "--max-attempts", "1" })
        {
            psi.ArgumentList.Add(arg);
        }
        var process = Process.Start(psi)!;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => { lock (Output) Output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (Output) Output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>As before the run, or as the last PASS left it: k work orders landed in order, nothing else changed.</summary>
    private static void AssertConsistent(TestRepo repo, string baseline, bool expectComplete)
    {
        Assert.AreEqual("", repo.Git("status", "--porcelain", "--untracked-files=all"), "the checkout has changes the run left behind");
        Assert.AreEqual("OPENAI_API_KEY=sk-user-local-secret\n", File.ReadAllText(repo.PathOf(".env")), "an ignored file changed");
        Assert.AreEqual("binary-ish\n", File.ReadAllText(repo.PathOf("bin/app.dll")), "ignored build output changed");
        Assert.AreEqual("main", repo.Git("symbolic-ref", "--short", "HEAD").Trim());
        var subjects = repo.Git("log", "--reverse", "--format=%s", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var landed = subjects.Length;
        Assert.IsLessThanOrEqualTo(WorkOrders, landed);
        for (var n = 1; n <= WorkOrders; n++)
        {
            var file = repo.PathOf($"f{n}.txt");
            if (n <= landed)
            {
                Assert.AreEqual($"WO-0{n}: Create f{n}.txt", subjects[n - 1]);
                Assert.AreEqual($"hello {n}\n", File.ReadAllText(file));
            }
            else
            {
                Assert.IsFalse(File.Exists(file), $"f{n}.txt exists although WO-0{n} did not land");
            }
        }
        if (expectComplete) Assert.AreEqual(WorkOrders, landed);
        CollectionAssert.AreEquivalent(new[] { ".env", ".gitignore", "README.md", "bin", "tools", ".git", ".llmc" }.Concat(Enumerable.Range(1, landed).Select(n => $"f{n}.txt")).ToArray(),
            Directory.EnumerateFileSystemEntries(repo.Root).Select(Path.GetFileName).Where(n => n != ".llmc" || Directory.Exists(repo.PathOf(".llmc"))).Append(Directory.Exists(repo.PathOf(".llmc")) ? null : ".llmc").Where(n => n is not null).ToArray());
    }

    private static string? LastJournalEvent(TestRepo repo)
    {
        var runs = repo.PathOf(".llmc/runs/factory");
        if (!Directory.Exists(runs)) return null;
        var latest = Directory.GetDirectories(runs).Order(StringComparer.Ordinal).LastOrDefault();
        return latest is null ? null : Journal.Read(Path.Combine(latest, "journal.jsonl")).LastOrDefault()?.Event;
    }
}

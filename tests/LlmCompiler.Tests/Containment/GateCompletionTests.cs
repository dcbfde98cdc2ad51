using LlmCompiler.Factory;
using LlmCompiler.Factory.Landing;
using LlmCompiler.Git;
using LlmCompiler.Tests.Factory;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// The write gate refuses, before any command runs, what could never land or must not be written (ignored paths,
/// submodules, the plan and its recordings); landing proves every touched path can be replaced and undoes a
/// fast-forward that git abandons part-way.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GateCompletionTests
{
    [TestMethod]
    public async Task An_ignored_path_is_refused_at_the_gate_before_any_command_runs()
    {
        await using var f = await AttackFixture.CreateAsync();
        var ran = Path.Combine(f.Repo.Outside, "acceptance-ran");
        f.AnswerAlways(("bin/tool.dll", "not a dll\n"));
        var wo = f.WorkOrder("WO-01", ["bin/tool.dll"], $"touch {ran}");

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common("off", wo, "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E205");
        StringAssert.Contains(stderr, "Ignored by git");
        Assert.IsFalse(File.Exists(ran), "a command ran after the gate should have refused");
        Assert.AreEqual("binary-ish\n", File.ReadAllText(f.Repo.PathOf("bin/app.dll")));
    }

    [TestMethod]
    public async Task A_path_inside_an_uninitialised_submodule_is_refused_at_the_gate()
    {
        await using var f = await AttackFixture.CreateAsync();
        f.Repo.Write(".gitmodules", "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://example.invalid/lib.git\n");
        f.Repo.Git("add", ".gitmodules");
        f.Repo.Git("update-index", "--add", "--cacheinfo", $"160000,{f.Repo.Head},vendor/lib");
        f.Repo.Git("commit", "-q", "-m", "submodule");
        Directory.CreateDirectory(f.Repo.PathOf("vendor/lib")); // what a clone without --recurse-submodules leaves
        f.AnswerAlways(("vendor/lib/x.c", "int x;\n"));
        var wo = f.WorkOrder("WO-01", ["vendor/lib/x.c"], "true");

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common("required", wo, "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E205");
        StringAssert.Contains(stderr, "submodule");
        Assert.AreEqual(1, f.Server.RequestCount);
    }

    [TestMethod]
    public async Task The_plan_folder_inside_the_repository_cannot_be_rewritten_by_its_own_work_orders()
    {
        await using var f = await AttackFixture.CreateAsync();
        var plan = f.Repo.PathOf("workorders");
        Directory.CreateDirectory(plan);
        File.Copy(f.WorkOrder("WO-02", ["two.txt"], "false"), Path.Combine(plan, "WO-02.json"));
        f.Repo.Commit("plan");
        File.Copy(f.WorkOrder("WO-01", ["workorders/WO-02.json", "hello.txt"], "grep -q hello hello.txt"), Path.Combine(plan, "WO-01.json"));
        f.Repo.Commit("plan, first work order");
        var before = File.ReadAllBytes(Path.Combine(plan, "WO-02.json"));
        f.AnswerAlways(("workorders/WO-02.json", "{\"acceptance_commands\":[\"true\"]}"), ("hello.txt", "hello\n"));

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common("required", Path.Combine(plan, "WO-01.json"), "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E205");
        StringAssert.Contains(stderr, "plan folder");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(Path.Combine(plan, "WO-02.json")));
    }

    [TestMethod]
    public async Task The_cassette_folder_inside_the_repository_cannot_be_written_by_a_proposal()
    {
        await using var f = await AttackFixture.CreateAsync();
        var cassettes = f.Repo.PathOf("llmc/cassettes");
        f.AnswerAlways(("llmc/cassettes/executor-forged.json", "{}"));
        var wo = f.WorkOrder("WO-01", ["llmc/cassettes/executor-forged.json"], "true");

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common("required", wo, "--max-attempts", "1", "--cassettes", cassettes, "--llm-mode", "live")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E205");
        StringAssert.Contains(stderr, "cassette folder");
        Assert.IsFalse(File.Exists(Path.Combine(cassettes, "executor-forged.json")));
    }

    [TestMethod]
    public async Task Landing_refuses_when_a_new_path_already_exists_in_the_checkout_and_changes_nothing()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var (session, diagnostics) = await FactorySession.OpenAsync(repo.Root, new FactoryOptions(), TextWriter.Null, CancellationToken.None);
        Assert.IsNotNull(session, string.Join("\n", diagnostics));
        using (session)
        {
            var baseline = repo.Head;
            var commit = await CommitAddingAsync(session.Git, repo, baseline, ("new.txt", "from the work order\n"));
            repo.Write("new.txt", "the user's own file\n");

            var result = await new Lander(session).LandAsync(baseline, commit, ["new.txt"], new Dictionary<string, string>(), () => { }, CancellationToken.None);

            Assert.IsFalse(result.Landed);
            StringAssert.Contains(result.Refusal, "new.txt");
            Assert.AreEqual(baseline, repo.Head);
            Assert.AreEqual("the user's own file\n", File.ReadAllText(repo.PathOf("new.txt")));
        }
    }

    [TestMethod]
    public async Task A_fast_forward_git_abandons_part_way_is_undone_path_by_path()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var realGit = LlmCompiler.Processes.ExecutableResolver.FromPath("git")!;
        // A git that, asked to merge, writes part of the result into the checkout and then fails (disk full, a locked file).
        var wrapper = Path.Combine(repo.Base, "partial-git");
        File.WriteAllText(wrapper, $"""
            #!/bin/sh
            for a in "$@"; do
              if [ "$a" = merge ]; then
                echo half-written > README.md
                echo half-written > brand-new.txt
                echo "error: unable to write file brand-new.txt" >&2
                exit 128
              fi
            done
            exec '{realGit}' "$@"
            """);
        File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
        var checkout = repo.CheckoutHash();
        var (session, diagnostics) = await FactorySession.OpenAsync(repo.Root, new FactoryOptions { GitExecutable = wrapper }, TextWriter.Null, CancellationToken.None);
        Assert.IsNotNull(session, string.Join("\n", diagnostics));
        using (session)
        {
            var baseline = repo.Head;
            var commit = await CommitAddingAsync(session.Git, repo, baseline, ("README.md", "# changed\n"), ("brand-new.txt", "new\n"));

            var result = await new Lander(session).LandAsync(baseline, commit, ["README.md", "brand-new.txt"], new Dictionary<string, string>(), () => { }, CancellationToken.None);

            Assert.IsFalse(result.Landed);
            StringAssert.Contains(result.Refusal, "restored");
            StringAssert.Contains(result.Refusal, "brand-new.txt");
            Assert.AreEqual(baseline, repo.Head);
            Assert.AreEqual(checkout, repo.CheckoutHash(), "the half-done fast-forward was not undone");
        }
    }

    /// <summary>A commit on <paramref name="parent"/> with the given files, made with plumbing (no worktree involved).</summary>
    private static async Task<string> CommitAddingAsync(GitCli git, TestRepo repo, string parent, params (string Path, string Content)[] files)
    {
        var scratch = Path.Combine(repo.Base, "blobs");
        Directory.CreateDirectory(scratch);
        var entries = new List<TreeEntry>();
        foreach (var (path, content) in files)
        {
            var file = Path.Combine(scratch, Guid.NewGuid().ToString("N"));
            File.WriteAllText(file, content);
            var id = TestRepo.Run(repo.Root, "git", "hash-object", "-w", "--no-filters", file).Trim();
            entries.Add(new TreeEntry("100644", id, path));
        }
        return await git.CommitTreeAsync(repo.Root, Path.Combine(repo.Base, "index-scratch"), parent, entries, "test\n");
    }
}

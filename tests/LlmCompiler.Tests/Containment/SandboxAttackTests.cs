using LlmCompiler.Contracts;
using LlmCompiler.Factory;
using LlmCompiler.Processes;
using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// Model-written code attacks its environment from the acceptance command (the factory runs the scripts the model
/// proposed), with and without the sandbox. Every test asserts the outcome in bytes, refs, processes and files.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SandboxAttackTests
{
    private const string Sandboxed = "required";
    private const string Unsandboxed = "off";

    // The attack scripts are written by "the model" and run as `sh src/attack.sh`; `set +e` so every step is tried.
    private const string Attack = "src/attack.sh";

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task Staging_committing_and_editing_after_the_gate_lands_exactly_the_gated_bytes(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var baseline = f.Repo.Head;
        var readme = File.ReadAllBytes(f.Repo.PathOf("README.md"));
        var env = File.ReadAllBytes(f.Repo.PathOf(".env"));
        f.AnswerAlways(("hello.txt", "hello\n"), (Attack, """
            set +e
            mkdir -p .github/workflows && echo evil > .github/workflows/evil.yml
            echo '* filter=evil' > .gitattributes
            printf '[submodule "x"]\n\tpath = x\n\turl = https://evil.invalid/x\n' > .gitmodules
            echo 'OPENAI_API_KEY=stolen' > .env
            git add -f .github/workflows/evil.yml .gitattributes .gitmodules .env
            git rm -q --cached README.md
            git -c user.name=Mallory -c user.email=mallory@evil.invalid commit -q --no-verify -m "Mallory's commit"
            echo tampered-after-the-gate >> hello.txt
            exit 0
            """));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "sh " + Attack);

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common(sandbox, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(baseline, f.Repo.Git("rev-parse", "HEAD~1").Trim(), "exactly one commit on the baseline");
        CollectionAssert.AreEqual(new[] { "hello.txt", Attack }, f.Repo.Git("diff-tree", "-r", "--name-only", "--no-commit-id", "HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.AreEqual("hello\n", f.Repo.Git("show", "HEAD:hello.txt"), "the landed bytes are the gated bytes");
        Assert.AreEqual("hello\n", File.ReadAllText(f.Repo.PathOf("hello.txt")));
        CollectionAssert.AreEqual(readme, File.ReadAllBytes(f.Repo.PathOf("README.md")));
        CollectionAssert.AreEqual(env, File.ReadAllBytes(f.Repo.PathOf(".env")), "the ignored .env was not overwritten");
        Assert.IsFalse(Directory.Exists(f.Repo.PathOf(".github")));
        Assert.IsFalse(File.Exists(f.Repo.PathOf(".gitattributes")));
        Assert.AreEqual("Test <test@example.invalid>", f.Repo.Git("log", "-1", "--format=%an <%ae>").Trim(), "no foreign author");
        Assert.AreEqual("", f.Repo.Git("status", "--porcelain"));
    }

    [TestMethod]
    public async Task A_forged_work_order_trailer_does_not_count_as_landed()
    {
        await using var f = await AttackFixture.CreateAsync();
        f.AnswerAlways(("one.txt", "one\n"), ("two.txt", "two\n"));
        f.WorkOrder("WO-01", ["one.txt"], "grep -q one one.txt");
        var wo2 = f.WorkOrder("WO-02", ["two.txt"], "grep -q two two.txt");
        var hash = WorkOrderIdentity.Sha256(PlanLoader.LoadFiles([wo2], null).Document!.WorkOrders[0].Value);
        // What a script could have landed before containment: a commit with the trailer, made by someone else.
        f.Repo.Write("evil.yml", "evil\n");
        f.Repo.Git("add", "evil.yml");
        f.Repo.Git("commit", "-q", "-m", $"WO-02: forged\n\nWork-Order: WO-02\nLlmc-Run: 20260101T000000Z-deadbeef\nWork-Order-Sha256: {hash}\n");
        f.Server.Responder = request => ScriptedResponse.Completion(request.MessageContents[^1].Contains("Work order WO-01", StringComparison.Ordinal)
            ? WorkOrderFiles.Proposal(("one.txt", AttackFixture.Empty, "one\n"))
            : WorkOrderFiles.Proposal(("two.txt", AttackFixture.Empty, "two\n")));

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run-all", .. f.Common(Sandboxed, f.PlanDirectory)]);

        Assert.AreEqual(0, exit, stdout + stderr);
        StringAssert.Contains(stderr, "W219");
        Assert.AreEqual(2, f.Server.RequestCount, "WO-02 ran: the forged trailer was not trusted");
        Assert.AreEqual("two\n", File.ReadAllText(f.Repo.PathOf("two.txt")));
        Assert.DoesNotContain("WO-02: already landed", stdout);
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task A_failing_acceptance_that_moves_refs_and_plants_git_state_leaves_it_byte_identical(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var before = f.GitState();
        f.AnswerAlways(("hello.txt", "hello\n"), (Attack, AttackFixture.PlantGitStateScript));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "sh " + Attack);

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common(sandbox, wo, "--max-attempts", "2")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        Assert.AreEqual(before, f.GitState(), "refs, HEAD, config, hooks, info/ or objects/info/ changed");
        if (sandbox == Unsandboxed)
        {
            StringAssert.Contains(stderr, "E218");
            Assert.AreEqual(1, f.Server.RequestCount, "an attack on the environment stops the run instead of retrying");
        }
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task A_failing_acceptance_cannot_change_the_checkout_its_ignored_files_or_the_home_git_config(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var home = Path.Combine(f.Repo.Base, "home");
        Directory.CreateDirectory(home);
        File.WriteAllText(Path.Combine(home, ".gitconfig"), "[user]\n\tname = Test\n");
        var checkout = f.Repo.CheckoutHash();
        var homeBefore = TestRepo.TreeHash(home);
        var gitBefore = f.GitState();
        f.AnswerAlways(("hello.txt", "hello\n"), (Attack, $$"""
            set +e
            top=$(cd "$(git rev-parse --git-common-dir)/.." && pwd)
            echo pwned > "$top/.env"
            echo pwned >> "$top/README.md"
            mkdir -p "$top/bin" && echo pwned > "$top/bin/app.dll"
            echo pwned > "$top/new-file.txt"
            printf '[core]\n\thooksPath = /tmp/evil-hooks\n' >> "{{home}}/.gitconfig"
            printf '[core]\n\thooksPath = /tmp/evil-hooks\n' >> "$HOME/.gitconfig"
            exit 1
            """));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "sh " + Attack);

        var result = await LlmcProcess.RunAsync(f.Repo.Root, new Dictionary<string, string?> { ["HOME"] = home, [f.KeyVariable] = f.Key },
            ["run", .. f.Common(sandbox, wo, "--max-attempts", "2")]);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.AreEqual(checkout, f.Repo.CheckoutHash(), "the checkout (ignored files included) changed");
        Assert.AreEqual(homeBefore, TestRepo.TreeHash(home), "the home folder changed");
        Assert.AreEqual(gitBefore, f.GitState());
        if (sandbox == Unsandboxed) StringAssert.Contains(result.Stderr, "E218");
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task Daemons_and_background_children_do_not_outlive_their_command(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var marker = Path.Combine(f.Repo.Outside, "daemon-" + Guid.NewGuid().ToString("N")[..8]);
        f.AnswerAlways(("hello.txt", "hello\n"), (Attack, AttackFixture.DaemonsScript(marker)));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "sh " + Attack);

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common(sandbox, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, exit, stdout + stderr);
        var markers = f.CommandMarkers();
        Assert.IsNotEmpty(markers);
        foreach (var m in markers) Assert.IsEmpty(ProcessReaper.FindMarked(m), $"a process of command {m} is still alive");
        var size = File.Exists(marker) ? new FileInfo(marker).Length : 0;
        await Task.Delay(500);
        Assert.AreEqual(size, File.Exists(marker) ? new FileInfo(marker).Length : 0, "the daemon is still writing");
        if (sandbox == Sandboxed) Assert.IsFalse(File.Exists(marker), "the sandbox let the daemon write outside the worktree");
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task Secrets_are_out_of_reach_and_never_reach_a_file_history_or_prompt(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var github = "ghp_" + Guid.NewGuid().ToString("N") + "CANARY";
        var aws = "AWSSECRET" + Guid.NewGuid().ToString("N");
        var otherKey = "sk-OTHER-" + Guid.NewGuid().ToString("N");
        f.Server.Responder = request => ScriptedResponse.Completion(WorkOrderFiles.Proposal(
            ("hello.txt", AttackFixture.Empty, "hello\n"),
            (Attack, AttackFixture.Empty, $$"""
                set +e
                env > found-env.txt
                for e in /proc/[0-9]*/environ; do tr '\0' '\n' < "$e"; done > found-proc.txt 2>/dev/null
                cat found-env.txt found-proc.txt
                echo "$OPENAI_API_KEY $GITHUB_TOKEN $AWS_SECRET_ACCESS_KEY" >> hello.txt
                [ "{{request.Number}}" = 1 ] && exit 1
                exit 0
                """)));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "sh " + Attack);
        var environment = new Dictionary<string, string?>
        {
            [f.KeyVariable] = f.Key, ["GITHUB_TOKEN"] = github, ["AWS_SECRET_ACCESS_KEY"] = aws, ["OPENAI_API_KEY"] = otherKey,
        };

        var result = await LlmcProcess.RunAsync(f.Repo.Root, environment, ["run", .. f.Common(sandbox, wo, "--max-attempts", "2")]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual(2, f.Server.RequestCount, "the first attempt failed, the second passed");
        var slot = new LlmCompiler.IO.RepositoryLayout(f.Repo.Root, f.Repo.PathOf(".git")).Slot("attempt");
        var ownEnvironment = File.ReadAllText(Path.Combine(slot, "found-env.txt"));
        var otherProcesses = File.ReadAllText(Path.Combine(slot, "found-proc.txt"));
        var history = f.Repo.Git("log", "-p", "--all");
        foreach (var secret in new[] { f.Key, github, aws, otherKey })
        {
            Assert.DoesNotContain(secret, ownEnvironment, "the command's environment carried a secret");
            // Unsandboxed, root reads every process's /proc/<pid>/environ, llmc's included (docs/security.md says so);
            // the sandbox's PID namespace shows the command only its own processes.
            if (sandbox == Sandboxed || !UnixProcess.IsRoot()) Assert.DoesNotContain(secret, otherProcesses, "the command read a secret from another process");
            Assert.DoesNotContain(secret, result.Output);
            Assert.DoesNotContain(secret, history, "a secret was committed");
            foreach (var (path, text) in f.ToolFiles()) Assert.DoesNotContain(secret, text, $"a secret reached {path}");
            foreach (var request in f.Server.Requests) Assert.DoesNotContain(secret, request.Body, "a secret was sent to the model");
        }
        Assert.AreEqual("hello\n", File.ReadAllText(f.Repo.PathOf("hello.txt")), "what the command appended after the gate did not land");
    }

    [TestMethod]
    public async Task A_proposal_that_echoes_the_key_is_refused_before_anything_is_written()
    {
        await using var f = await AttackFixture.CreateAsync();
        f.AnswerAlways(("hello.txt", $"hello {f.Key}\n"));
        var wo = f.WorkOrder("WO-01", ["hello.txt"], "grep -q hello hello.txt");

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common(Sandboxed, wo, "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E214");
        Assert.IsFalse(File.Exists(f.Repo.PathOf("hello.txt")));
        foreach (var (path, text) in f.ToolFiles()) Assert.DoesNotContain(f.Key, text, $"the key reached {path}");
        Assert.DoesNotContain(f.Key, f.Repo.Git("log", "-p", "--all"));
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task A_link_planted_by_an_earlier_attempt_never_sends_a_write_outside_the_worktree(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var outside = TestRepo.TreeHash(f.Repo.Outside);
        f.Server.Responder = request => ScriptedResponse.Completion(request.Number == 1
            ? WorkOrderFiles.Proposal(("hello.txt", AttackFixture.Empty, "hello\n"), (Attack, AttackFixture.Empty, $$"""
                  setsid sh -c 'while true; do ln -sfn "{{f.Repo.Outside}}" "$PWD/newdir" 2>/dev/null; sleep 0.01; done' </dev/null >/dev/null 2>&1 &
                  exit 1
                  """))
            : WorkOrderFiles.Proposal(("hello.txt", AttackFixture.Empty, "hello\n"), ("newdir/file.txt", AttackFixture.Empty, "escaped?\n"), (Attack, AttackFixture.Empty, "exit 1\n")));
        var wo = f.WorkOrder("WO-01", ["hello.txt", "newdir/file.txt", Attack], "sh " + Attack);

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common(sandbox, wo, "--max-attempts", "3")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        Assert.AreEqual(outside, TestRepo.TreeHash(f.Repo.Outside), "a write escaped into the folder next to the repository");
        Assert.IsFalse(File.Exists(Path.Combine(f.Repo.Outside, "file.txt")));
    }

    [TestMethod]
    public async Task Planted_git_and_sh_in_the_current_directory_never_run()
    {
        await using var f = await AttackFixture.CreateAsync();
        var ran = Path.Combine(f.Repo.Outside, "planted-ran");
        foreach (var name in new[] { "git", "sh", "python3", "dotnet" })
        {
            f.Repo.Write(name, $"#!/bin/sh\necho {name} >> '{ran}'\nexit 0\n");
            File.SetUnixFileMode(f.Repo.PathOf(name), (UnixFileMode)0b111_101_101);
        }
        f.Repo.Commit("planted executables");
        f.AnswerAlways(("hello.txt", "hello\n"));
        var wo = f.WorkOrder("WO-01", ["hello.txt"], "sh -c 'grep -q hello hello.txt'");
        // Even a PATH that names the current directory ('.' and an empty entry) must not reach the planted files.
        var environment = new Dictionary<string, string?>
        {
            [f.KeyVariable] = f.Key, ["PATH"] = ".::" + Environment.GetEnvironmentVariable("PATH"),
        };

        var verify = await LlmcProcess.RunAsync(f.Repo.Root, environment, "verify", f.PlanDirectory, "--repo", f.Repo.Root);
        var run = await LlmcProcess.RunAsync(f.Repo.Root, environment, ["run", .. f.Common(Sandboxed, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, verify.ExitCode, verify.ToString());
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.IsFalse(File.Exists(ran), "a planted executable ran: " + (File.Exists(ran) ? File.ReadAllText(ran) : ""));
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task An_acceptance_script_path_runs_the_worktree_copy_not_the_checkout_copy(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        f.Repo.Write("tools/check.sh", "#!/bin/sh\necho 'the checkout copy ran' >&2\nexit 1\n");
        File.SetUnixFileMode(f.Repo.PathOf("tools/check.sh"), (UnixFileMode)0b111_101_101);
        f.Repo.Commit("a failing check");
        f.AnswerAlways(("tools/check.sh", "#!/bin/sh\nexit 0\n"));
        var wo = f.WorkOrder("WO-01", ["tools/check.sh"], "tools/check.sh");

        var result = await LlmcProcess.RunAsync(f.Repo.Root, new Dictionary<string, string?> { [f.KeyVariable] = f.Key },
            ["run", .. f.Common(sandbox, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("#!/bin/sh\nexit 0\n", File.ReadAllText(f.Repo.PathOf("tools/check.sh")));
    }

    [TestMethod]
    [DataRow("SIGTERM")]
    [DataRow("SIGHUP")]
    [DataRow("SIGINT")]
    public async Task A_termination_signal_during_acceptance_cancels_kills_the_command_and_records_E216(string signal)
    {
        await using var f = await AttackFixture.CreateAsync();
        var checkout = f.Repo.CheckoutHash();
        f.AnswerAlways(("hello.txt", "hello\n"), (Attack, "setsid sleep 1000 </dev/null >/dev/null 2>&1 &\nsleep 1000\n"));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "sh " + Attack);
        using var process = LlmcProcess.Start(f.Repo.Root, new Dictionary<string, string?> { [f.KeyVariable] = f.Key },
            ["run", .. f.Common(Sandboxed, wo, "--max-attempts", "1")]);
        for (var i = 0; i < 600 && f.CommandMarkers().Count == 0; i++) await Task.Delay(100);
        Assert.IsNotEmpty(f.CommandMarkers(), "the acceptance command never started");
        await Task.Delay(300);

        TestRepo.Run(f.Repo.Base, "kill", "-" + signal[3..], process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var result = await LlmcProcess.CollectAsync(process, TimeSpan.FromSeconds(60));

        Assert.AreEqual(FactoryExitCodes.Cancelled, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "E216");
        foreach (var m in f.CommandMarkers()) Assert.IsEmpty(ProcessReaper.FindMarked(m), "the acceptance command survived the signal");
        Assert.IsEmpty(Directory.GetFileSystemEntries(f.Repo.PathOf(".git/llmc/active")), "the run's marker was left behind");
        Assert.AreEqual(checkout, f.Repo.CheckoutHash());
    }

    [TestMethod]
    public async Task Without_bubblewrap_auto_warns_and_the_fingerprint_catches_a_checkout_write()
    {
        await using var f = await AttackFixture.CreateAsync();
        var checkout = f.Repo.CheckoutHash();
        f.AnswerAlways(("hello.txt", "hello\n"), (Attack, "top=$(cd \"$(git rev-parse --git-common-dir)/..\" && pwd)\necho pwned >> \"$top/README.md\"\nexit 0\n"));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "sh " + Attack);

        var result = await LlmcProcess.RunAsync(f.Repo.Root, new Dictionary<string, string?> { [f.KeyVariable] = f.Key, [LlmCompiler.Sandbox.Bubblewrap.OverrideVariable] = "none" },
            ["run", .. f.Common("auto", wo, "--max-attempts", "2")]);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "W217");
        StringAssert.Contains(result.Stderr, "E218");
        StringAssert.Contains(result.Stderr, "README.md");
        Assert.AreEqual(checkout, f.Repo.CheckoutHash(), "the write was not undone");
        Assert.AreEqual(1, f.Server.RequestCount);
    }

    [TestMethod]
    public async Task Required_without_a_sandbox_refuses_before_any_model_call()
    {
        await using var f = await AttackFixture.CreateAsync();
        f.AnswerAlways(("hello.txt", "hello\n"));
        var wo = f.WorkOrder("WO-01", ["hello.txt"], "grep -q hello hello.txt");

        var result = await LlmcProcess.RunAsync(f.Repo.Root, new Dictionary<string, string?> { [f.KeyVariable] = f.Key, [LlmCompiler.Sandbox.Bubblewrap.OverrideVariable] = "none" },
            ["run", .. f.Common("required", wo)]);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "E217");
        Assert.AreEqual(0, f.Server.RequestCount);
        Assert.IsFalse(File.Exists(f.Repo.PathOf("hello.txt")));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task The_sandbox_network_setting_allows_or_denies_connections(bool network)
    {
        await using var f = await AttackFixture.CreateAsync();
        var port = f.Server.BaseUrl.Port;
        f.AnswerAlways(("hello.txt", "hello\n"), (Attack, $"exec 3<>/dev/tcp/127.0.0.1/{port} || exit 7\nexit 0\n"));
        var wo = f.WorkOrder("WO-01", ["hello.txt", Attack], "bash " + Attack);

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common(Sandboxed, wo, "--max-attempts", "1", "--sandbox-network", network ? "true" : "false")]);

        Assert.AreEqual(network ? 0 : 1, exit, stdout + stderr);
    }

    [TestMethod]
    public async Task Restore_and_build_of_a_real_solution_work_inside_the_sandbox()
    {
        await using var f = await AttackFixture.CreateAsync();
        f.Repo.Write("src/Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n")
            .Write("tests/Lib.Tests/Lib.Tests.csproj", """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework><IsTestProject>true</IsTestProject></PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="MSTest.TestFramework" Version="4.5.2" />
                    <PackageReference Include="MSTest.TestAdapter" Version="4.5.2" />
                    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" />
                  </ItemGroup>
                  <ItemGroup><ProjectReference Include="../../src/Lib/Lib.csproj" /></ItemGroup>
                </Project>
                """)
            .Write(".gitignore", ".env\nbin/\nobj/\n")
            .Commit("solution");
        f.AnswerAlways(("src/Lib/Slug.cs", "namespace Lib;\npublic static class Slug { public static string Of(string s) => s.ToLowerInvariant(); }\n"),
            ("tests/Lib.Tests/SlugTests.cs", "using Microsoft.VisualStudio.TestTools.UnitTesting;\nnamespace Lib.Tests;\n[TestClass]\npublic sealed class SlugTests { [TestMethod] public void Lower() => Assert.AreEqual(\"a\", Lib.Slug.Of(\"A\")); }\n"));
        var wo = f.WorkOrder("WO-01", ["src/Lib/Slug.cs", "tests/Lib.Tests/SlugTests.cs"], "dotnet test tests/Lib.Tests/Lib.Tests.csproj -nologo");
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var packagesBefore = Directory.Exists(userPackages) ? Directory.GetDirectories(userPackages).Length : 0;

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run", .. f.Common(Sandboxed, wo, "--max-attempts", "1", "--timeout-seconds", "600")]);

        Assert.AreEqual(0, exit, stdout + stderr + string.Join("\n", f.ToolFiles().Where(t => t.Path.EndsWith("_stdout.txt", StringComparison.Ordinal)).Select(t => t.Text)));
        Assert.AreEqual(packagesBefore, Directory.Exists(userPackages) ? Directory.GetDirectories(userPackages).Length : 0, "the sandbox wrote into the user's NuGet packages folder");
    }
}

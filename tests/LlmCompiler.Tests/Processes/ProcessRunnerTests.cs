using System.Diagnostics;
using LlmCompiler.Processes;

namespace LlmCompiler.Tests.Processes;

[TestClass]
public sealed class ProcessRunnerTests
{
    private static ProcessSpec Sh(string script, string cwd) => new("sh", ["-c", script], cwd);

    [TestMethod]
    public async Task Arguments_are_passed_verbatim_without_a_shell()
    {
        using var repo = new TestRepo(init: false);
        var args = new[] { "a b", "'quoted'", "$(whoami)", ";", "*", "" };
        var r = await ProcessRunner.RunAsync(new ProcessSpec("printf", ["<%s>\n", .. args], repo.Root));
        Assert.AreEqual(0, r.ExitCode);
        Assert.AreEqual(string.Concat(args.Select(a => $"<{a}>\n")), r.StdoutTail);
    }

    [TestMethod]
    public async Task Stdin_is_closed_so_a_reader_gets_eof()
    {
        using var repo = new TestRepo(init: false);
        var r = await ProcessRunner.RunAsync(new ProcessSpec("cat", [], repo.Root) { Timeout = TimeSpan.FromSeconds(30) });
        Assert.AreEqual(0, r.ExitCode);
        Assert.IsFalse(r.TimedOut);
    }

    [TestMethod]
    public async Task Working_directory_is_the_one_given()
    {
        using var repo = new TestRepo(init: false);
        var r = await ProcessRunner.RunAsync(new ProcessSpec("pwd", [], repo.Root));
        Assert.AreEqual(Path.GetFullPath(repo.Root), r.StdoutTail.Trim());
    }

    [TestMethod]
    public async Task Launch_failure_is_a_result_with_exit_minus_one()
    {
        using var repo = new TestRepo(init: false);
        var r = await ProcessRunner.RunAsync(new ProcessSpec("llmc-no-such-binary-" + Guid.NewGuid().ToString("N"), ["x"], repo.Root));
        Assert.AreEqual(-1, r.ExitCode);
        Assert.IsNotNull(r.LaunchError);
        StringAssert.Contains(r.StderrTail, "[launch failed]");
        var missingCwd = await ProcessRunner.RunAsync(new ProcessSpec("true", [], Path.Combine(repo.Root, "missing")));
        Assert.AreEqual(-1, missingCwd.ExitCode);
    }

    [TestMethod]
    public async Task A_script_still_open_for_writing_when_it_is_started_runs_once_the_writer_lets_go()
    {
        using var repo = new TestRepo(init: false);
        var script = WriteScript(repo, "#!/bin/sh\necho ran\n");
        Task<ProcessResult> run;
        // Held open for writing: execve refuses the file (ETXTBSY) as it does while a forked child still holds the
        // descriptor of a script just written.
        using (new FileStream(script, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            // Starting blocks until the process runs (or the launch is given up): from another thread.
            run = Task.Run(() => ProcessRunner.RunAsync(new ProcessSpec(script, [], repo.Root) { KillLeftovers = false }));
            await Task.Delay(300);
        }
        var r = await run;

        Assert.IsNull(r.LaunchError, r.StderrTail);
        Assert.AreEqual(0, r.ExitCode);
        Assert.AreEqual("ran", r.StdoutTail.Trim());
    }

    [TestMethod]
    public async Task A_script_held_open_for_writing_for_good_is_a_launch_failure_not_a_hang()
    {
        using var repo = new TestRepo(init: false);
        var script = WriteScript(repo, "#!/bin/sh\necho ran\n");
        using var writer = new FileStream(script, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);

        var r = await ProcessRunner.RunAsync(new ProcessSpec(script, [], repo.Root) { KillLeftovers = false });

        Assert.AreEqual(-1, r.ExitCode);
        Assert.IsNotNull(r.LaunchError);
    }

    [TestMethod]
    public async Task A_run_cancelled_before_it_starts_throws_and_starts_nothing()
    {
        using var repo = new TestRepo(init: false);
        var marker = Path.Combine(repo.Base, "started");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => ProcessRunner.RunAsync(Sh($"touch '{marker}'", repo.Root), cts.Token));

        Assert.IsFalse(File.Exists(marker));
    }

    private static string WriteScript(TestRepo repo, string text)
    {
        var script = Path.Combine(repo.Base, "script-" + Guid.NewGuid().ToString("N") + ".sh");
        File.WriteAllText(script, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    [TestMethod]
    public async Task Timeout_kills_the_whole_process_tree()
    {
        using var repo = new TestRepo(init: false);
        var pidFile = Path.Combine(repo.Base, "grandchild.pid");
        var r = await ProcessRunner.RunAsync(Sh($"sleep 1000 & echo $! > '{pidFile}'; wait", repo.Root) with { Timeout = TimeSpan.FromSeconds(2) });
        Assert.IsTrue(r.TimedOut);
        Assert.AreEqual(-1, r.ExitCode);
        StringAssert.Contains(r.StderrTail, "[TIMEOUT");
        AssertDead(int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [TestMethod]
    public async Task A_grandchild_holding_the_pipe_does_not_hang_the_runner()
    {
        using var repo = new TestRepo(init: false);
        var pidFile = Path.Combine(repo.Base, "daemon.pid");
        // The child exits at once; its background grandchild inherits stdout and keeps it open.
        var r = await ProcessRunner.RunAsync(Sh($"sleep 1000 & echo $! > '{pidFile}'; echo started; exit 0", repo.Root) with { DrainTimeout = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(60), KillLeftovers = false });
        var daemon = int.Parse(File.ReadAllText(pidFile).Trim());
        try
        {
            Assert.IsTrue(r.DrainTimedOut);
            Assert.AreEqual(0, r.ExitCode);
            StringAssert.Contains(r.StdoutTail, "started");
        }
        finally
        {
            try { Process.GetProcessById(daemon).Kill(); } catch (ArgumentException) { }
        }
    }

    [TestMethod]
    public async Task Cancellation_kills_the_tree_and_throws()
    {
        using var repo = new TestRepo(init: false);
        var pidFile = Path.Combine(repo.Base, "c.pid");
        using var cts = new CancellationTokenSource();
        var task = ProcessRunner.RunAsync(Sh($"sleep 1000 & echo $! > '{pidFile}'; wait", repo.Root), cts.Token);
        for (var i = 0; i < 200 && !File.Exists(pidFile); i++) await Task.Delay(50);
        cts.Cancel();
        await Assert.ThrowsExactlyAsync<OperationCanceledException>(async () => await task);
        AssertDead(int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [TestMethod]
    public async Task Output_goes_whole_to_files_and_only_a_bounded_tail_stays_in_memory()
    {
        using var repo = new TestRepo(init: false);
        var stdout = Path.Combine(repo.Base, "out.txt");
        var r = await ProcessRunner.RunAsync(Sh("seq 1 200000; echo err >&2", repo.Root) with { StdoutPath = stdout, StderrPath = Path.Combine(repo.Base, "err.txt"), TailBytes = 1024 });
        Assert.AreEqual(0, r.ExitCode);
        Assert.AreEqual(1024, r.StdoutTail.Length);
        Assert.EndsWith("199999\n200000\n", r.StdoutTail);
        Assert.AreEqual(200000, File.ReadAllLines(stdout).Length);
        Assert.AreEqual("err\n", File.ReadAllText(Path.Combine(repo.Base, "err.txt")));
    }

    [TestMethod]
    public async Task Environment_is_scrubbed_of_the_key_its_copies_and_msbuild_variables()
    {
        using var repo = new TestRepo(init: false);
        var keyName = "LLMC_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8];
        var aliasName = "LLMC_TEST_ALIAS_" + Guid.NewGuid().ToString("N")[..8];
        var secret = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(keyName, secret);
        Environment.SetEnvironmentVariable(aliasName, secret);
        try
        {
            var r = await ProcessRunner.RunAsync(new ProcessSpec("env", [], repo.Root) { Environment = ChildEnvironment.Default(keyName) });
            Assert.AreEqual(0, r.ExitCode);
            Assert.DoesNotContain(secret, r.StdoutTail);
            Assert.DoesNotContain(keyName, r.StdoutTail);
            StringAssert.Contains(r.StdoutTail, "MSBUILDDISABLENODEREUSE=1");
            StringAssert.Contains(r.StdoutTail, "DOTNET_CLI_USE_MSBUILD_SERVER=0");
        }
        finally
        {
            Environment.SetEnvironmentVariable(keyName, null);
            Environment.SetEnvironmentVariable(aliasName, null);
        }

        var inherited = new Dictionary<string, string?>
        {
            ["MSBuildExtensionsPath"] = "/sdk/", ["MSBuildSDKsPath"] = "/sdk/Sdks", ["MSBUILDENSURESTDOUTFORTASKPROCESSES"] = "1",
            ["MSBuildLoadMicrosoftTargetsReadOnly"] = "true", ["MSBUILDNOINPROCNODE"] = "1", ["DOTNET_HOST_PATH"] = "/usr/bin/dotnet", ["PATH"] = "/usr/bin",
        };
        ChildEnvironment.Default().ApplyTo(inherited);
        CollectionAssert.AreEquivalent(new[] { "DOTNET_HOST_PATH", "PATH", "MSBUILDDISABLENODEREUSE", "DOTNET_CLI_USE_MSBUILD_SERVER" }, inherited.Keys.ToArray());
    }

    private static void AssertDead(int pid)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                if (p.HasExited) return;
                // A killed child of an exited parent may linger as a zombie briefly; /proc state tells.
                var stat = File.Exists($"/proc/{pid}/stat") ? File.ReadAllText($"/proc/{pid}/stat") : "";
                if (stat.Contains(") Z ", StringComparison.Ordinal)) return;
            }
            catch (ArgumentException)
            {
                return;
            }
            Thread.Sleep(50);
        }
        Assert.Fail($"process {pid} is still alive");
    }
}

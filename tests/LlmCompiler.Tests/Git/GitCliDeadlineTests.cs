using System.Diagnostics;
using LlmCompiler.Git;

namespace LlmCompiler.Tests.Git;

/// <summary>Git runs inside MSBuild and the factory: deadlines and cancellation must kill the whole tree, never hang.</summary>
[TestClass]
public sealed class GitCliDeadlineTests
{
    private TestRepo _dir = null!;

    [TestInitialize]
    public void Setup()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("uses a POSIX shell script as the fake git");
        _dir = new TestRepo(init: false);
    }

    [TestCleanup]
    public void Cleanup() => _dir?.Dispose();

    /// <summary>
    /// A fake git that starts a grandchild, records its pid in the file named by its last argument (GitCli puts
    /// its hardening options first), and waits (or exits, leaving the grandchild holding stdout).
    /// </summary>
    private GitCli FakeGit(bool exitEarly, TimeSpan timeout, bool killLeftovers = true)
    {
        var script = Path.Combine(_dir.Outside, "fake-git");
        File.WriteAllText(script, $"#!/bin/sh\nfor last; do :; done\nsleep 30 &\necho $! > \"$last\"\n{(exitEarly ? "exit 0" : "wait")}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new GitCli(timeout: timeout) { Executable = script, KillLeftovers = killLeftovers };
    }

    [TestMethod]
    public async Task Timeout_kills_the_process_tree_and_reports_instead_of_hanging()
    {
        var pidFile = _dir.PathOf("pid");
        var clock = Stopwatch.StartNew();

        var result = await FakeGit(exitEarly: false, TimeSpan.FromSeconds(1)).TryRunAsync(_dir.Root, [pidFile]);

        Assert.AreEqual(-1, result.ExitCode);
        Assert.IsTrue(result.TimedOut);
        Assert.IsFalse(result.Succeeded);
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        AssertGone(int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [TestMethod]
    public async Task Cancellation_kills_the_process_tree_and_throws()
    {
        var pidFile = _dir.PathOf("pid");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));

        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            FakeGit(exitEarly: false, TimeSpan.FromMinutes(1)).TryRunAsync(_dir.Root, [pidFile], cts.Token));

        AssertGone(int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [TestMethod]
    public async Task Without_the_leftover_sweep_a_timeout_or_a_cancellation_still_kills_the_process_tree()
    {
        // The read-only queries of a verification run so (KillLeftovers = false): no setsid, no /proc scan.
        var timedOutPid = _dir.PathOf("pid-timeout");
        var result = await FakeGit(exitEarly: false, TimeSpan.FromSeconds(1), killLeftovers: false).TryRunAsync(_dir.Root, [timedOutPid]);
        Assert.IsTrue(result.TimedOut);
        AssertGone(int.Parse(File.ReadAllText(timedOutPid).Trim()));

        var cancelledPid = _dir.PathOf("pid-cancel");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            FakeGit(exitEarly: false, TimeSpan.FromMinutes(1), killLeftovers: false).TryRunAsync(_dir.Root, [cancelledPid], cts.Token));
        AssertGone(int.Parse(File.ReadAllText(cancelledPid).Trim()));
    }

    [TestMethod]
    public async Task A_grandchild_git_left_holding_stdout_is_killed_and_does_not_hang_the_drain()
    {
        var pidFile = _dir.PathOf("pid");
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await FakeGit(exitEarly: true, TimeSpan.FromSeconds(1)).TryRunAsync(_dir.Root, [pidFile]);

            Assert.IsFalse(result.DrainTimedOut, "the leftover is killed when git ends, which closes the pipe");
            Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            for (var i = 0; i < 50 && File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal); i++) await Task.Delay(100);
            Assert.IsFalse(File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), "the grandchild survived");
        }
        finally
        {
            // The orphan is no longer our child's descendant; end it ourselves.
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) TryKill(pid);
        }
    }

    [TestMethod]
    public async Task Missing_executable_is_a_failed_result_not_an_exception()
    {
        var git = new GitCli(timeout: TimeSpan.FromSeconds(5)) { Executable = _dir.PathOf("no-such-git") };

        var result = await git.TryRunAsync(_dir.Root, ["status"]);

        Assert.AreEqual(-1, result.ExitCode);
        Assert.IsNotNull(result.LaunchError);
    }

    private static void AssertGone(int pid)
    {
        for (var i = 0; i < 50; i++)
        {
            if (!IsAlive(pid)) return;
            Thread.Sleep(100);
        }
        TryKill(pid);
        Assert.Fail($"grandchild {pid} survived");
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    private static void TryKill(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
        }
    }
}

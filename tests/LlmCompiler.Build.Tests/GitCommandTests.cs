using System.Diagnostics;
using LlmCompiler.Build.Tasks;
using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>The git runner inside MSBuild must never hang a build: deadlines and cancellation kill the tree.</summary>
[TestClass]
public sealed class GitCommandTests
{
    private TempDirectory _dir = null!;

    [TestInitialize]
    public void Setup()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("uses a POSIX shell script as the fake git");
        _dir = new TempDirectory();
    }

    [TestCleanup]
    public void Cleanup() => _dir?.Dispose();

    /// <summary>A fake git that starts a grandchild, records its pid in $1, and waits (or exits, leaving it holding stdout).</summary>
    private string FakeGit(bool exitEarly)
    {
        var script = _dir.Write("fake-git", $"#!/bin/sh\nsleep 30 &\necho $! > \"$1\"\n{(exitEarly ? "exit 0" : "wait")}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    [TestMethod]
    public void Timeout_kills_the_process_tree_and_reports_instead_of_hanging()
    {
        var pidFile = _dir.Combine("pid");
        var clock = Stopwatch.StartNew();

        var result = GitCommand.Run(FakeGit(exitEarly: false), _dir.Path, [pidFile], CancellationToken.None, TimeSpan.FromSeconds(1));

        Assert.AreEqual(-1, result.ExitCode);
        StringAssert.Contains(result.StandardError, "timed out");
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        AssertGone(int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [TestMethod]
    public void Cancellation_kills_the_process_tree_and_throws()
    {
        var pidFile = _dir.Combine("pid");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));

        Assert.ThrowsExactly<OperationCanceledException>(() =>
            GitCommand.Run(FakeGit(exitEarly: false), _dir.Path, [pidFile], cts.Token, TimeSpan.FromMinutes(1)));

        AssertGone(int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [TestMethod]
    public void Grandchild_holding_stdout_after_exit_does_not_hang_the_drain()
    {
        var pidFile = _dir.Combine("pid");
        var clock = Stopwatch.StartNew();
        try
        {
            var result = GitCommand.Run(FakeGit(exitEarly: true), _dir.Path, [pidFile], CancellationToken.None, TimeSpan.FromSeconds(1));

            Assert.AreEqual(-1, result.ExitCode);
            Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        }
        finally
        {
            // The orphan is no longer our child's descendant; end it ourselves.
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) TryKill(pid);
        }
    }

    [TestMethod]
    public void Missing_executable_is_a_failed_result_not_an_exception()
    {
        var result = GitCommand.Run(_dir.Combine("no-such-git"), _dir.Path, ["status"], CancellationToken.None, TimeSpan.FromSeconds(5));

        Assert.AreEqual(-1, result.ExitCode);
        StringAssert.Contains(result.StandardError, "could not be started");
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

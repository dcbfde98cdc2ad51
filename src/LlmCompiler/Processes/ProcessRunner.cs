using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace LlmCompiler.Processes;

/// <summary>
/// Runs child processes the safe way: argv only, the program resolved on <c>PATH</c> only, stdin closed (or fed
/// and closed), explicit working directory, scrubbed environment, a timeout and caller cancellation that kill the
/// whole process tree, everything the command left behind killed when it ends, bounded and redacted output, and a
/// separate bound on draining the pipes so a grandchild that keeps them open cannot hang us.
/// </summary>
public static class ProcessRunner
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="spec"/>. Never throws for the child's behaviour (launch failures, timeouts and non-zero
    /// exits are results); caller cancellation kills the tree and then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        // Cancelled before anything started: the caller's cancellation, not a launch to report.
        cancellationToken.ThrowIfCancellationRequested();
        var argv = spec.Argv.ToList();
        var stopwatch = Stopwatch.StartNew();
        using var stdout = new OutputSink(spec.StdoutPath, spec.TailBytes, spec.CaptureAllStdoutUpTo, spec.MaxStoredBytes, spec.Redactor);
        using var stderr = new OutputSink(spec.StderrPath, spec.TailBytes, null, spec.MaxStoredBytes, spec.Redactor);

        var marker = ProcessReaper.NewMarker();
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables()) environment[(string)e.Key] = e.Value as string;
        spec.Environment.ApplyTo(environment);
        environment[ProcessReaper.MarkerVariable] = marker;

        var file = Resolve(spec.FileName, spec.WorkingDirectory, environment.GetValueOrDefault("PATH"));
        if (file is null) return LaunchFailed(spec, argv, stderr, stopwatch, $"'{spec.FileName}' was not found on PATH");

        // A new session makes the command the leader of its own process group, so one signal reaches all of it.
        var setsid = spec.KillLeftovers ? ProcessReaper.Setsid : null;
        var psi = new ProcessStartInfo(setsid ?? file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = spec.WorkingDirectory,
            CreateNoWindow = true,
        };
        if (setsid is not null) psi.ArgumentList.Add(file);
        foreach (var arg in spec.Arguments) psi.ArgumentList.Add(arg);
        psi.Environment.Clear();
        foreach (var (name, value) in environment) if (value is not null) psi.Environment[name] = value;

        using var process = new Process { StartInfo = psi };
        try
        {
            if (!Directory.Exists(spec.WorkingDirectory)) throw new DirectoryNotFoundException($"working directory '{spec.WorkingDirectory}' does not exist");
            ProcessStarter.Start(process);
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return LaunchFailed(spec, argv, stderr, stopwatch, ex.Message);
        }

        int? pgid = setsid is null ? null : process.Id;
        spec.Started?.Invoke(new ProcessStartRecord(process.Id, StartTimeOf(process), marker));

        if (spec.StandardInput is { } input)
        {
            // Fed from a separate task: a child that writes a lot before reading must not deadlock against us.
            _ = Task.Run(async () =>
            {
                try
                {
                    await process.StandardInput.BaseStream.WriteAsync(input, CancellationToken.None).ConfigureAwait(false);
                    process.StandardInput.Close();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException) { }
            }, CancellationToken.None);
        }
        else
        {
            // Closed stdin: a child that prompts gets EOF instead of waiting for a human who is not there.
            try { process.StandardInput.Close(); } catch (IOException) { }
        }

        var pumps = Task.WhenAll(
            Task.Run(() => stdout.PumpAsync(process.StandardOutput.BaseStream), CancellationToken.None),
            Task.Run(() => stderr.PumpAsync(process.StandardError.BaseStream), CancellationToken.None));

        var timedOut = false;
        var cancelled = false;
        using (var timeout = new CancellationTokenSource(spec.Timeout))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try
            {
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cancelled = cancellationToken.IsCancellationRequested;
                timedOut = !cancelled;
                KillTree(process);
                try { process.WaitForExit((int)KillGrace.TotalMilliseconds); } catch (InvalidOperationException) { }
            }
        }

        // Whatever the exit code: nothing the command started may outlive it.
        var leftovers = spec.KillLeftovers ? ProcessReaper.KillGroupAndMarked(pgid, marker) : 0;

        var drainTimedOut = false;
        if (await Task.WhenAny(pumps, Task.Delay(spec.DrainTimeout, CancellationToken.None)).ConfigureAwait(false) != pumps)
        {
            // Something still holds the pipe (a daemon or build node the child left). Kill what is still in the
            // tree and stop waiting; the abandoned reads end when the holder dies.
            drainTimedOut = true;
            KillTree(process);
        }

        int exitCode;
        try { exitCode = timedOut || cancelled || !process.HasExited ? ProcessResult.FailedExitCode : process.ExitCode; }
        catch (InvalidOperationException) { exitCode = ProcessResult.FailedExitCode; }

        if (timedOut) stderr.Append(Encoding.UTF8.GetBytes($"\n[TIMEOUT after {spec.Timeout.TotalSeconds:0.###} s: process tree killed]"));
        if (drainTimedOut) stderr.Append(Encoding.UTF8.GetBytes("\n[output pipes still held open by a leftover process; stopped reading]"));

        var result = new ProcessResult
        {
            Argv = argv,
            ExitCode = exitCode,
            TimedOut = timedOut,
            Cancelled = cancelled,
            DrainTimedOut = drainTimedOut,
            StdoutTail = stdout.TailText,
            StderrTail = stderr.TailText,
            Stdout = stdout.AllBytes,
            StdoutOverflowed = stdout.Overflowed,
            StdoutPath = spec.StdoutPath,
            StderrPath = spec.StderrPath,
            DroppedOutputBytes = stdout.DroppedBytes + stderr.DroppedBytes,
            LeftoversKilled = leftovers,
            Duration = stopwatch.Elapsed,
        };
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    /// <summary>
    /// An absolute program path: rooted names as given, bare names from <paramref name="pathVariable"/> only, and
    /// relative paths with a separator below <paramref name="workingDirectory"/>. Null when a bare name is not found.
    /// </summary>
    internal static string? Resolve(string fileName, string workingDirectory, string? pathVariable)
    {
        if (Path.IsPathFullyQualified(fileName)) return fileName;
        if (fileName.Contains('/') || fileName.Contains('\\')) return Path.GetFullPath(Path.Combine(workingDirectory, fileName));
        return ExecutableResolver.FromPath(fileName, pathVariable ?? "");
    }

    private static ProcessResult LaunchFailed(ProcessSpec spec, List<string> argv, OutputSink stderr, Stopwatch stopwatch, string message)
    {
        stderr.Append(Encoding.UTF8.GetBytes($"[launch failed] {spec.FileName}: {message}"));
        return new ProcessResult
        {
            Argv = argv, ExitCode = ProcessResult.FailedExitCode, LaunchError = message,
            StderrTail = stderr.TailText, Stdout = spec.CaptureAllStdoutUpTo is null ? null : [],
            StdoutPath = spec.StdoutPath, StderrPath = spec.StderrPath, Duration = stopwatch.Elapsed,
        };
    }

    private static DateTimeOffset StartTimeOf(Process process)
    {
        try { return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero); }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException) { return DateTimeOffset.UtcNow; }
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone, or exited between the check and the kill.
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace LlmCompiler.Processes;

/// <summary>
/// Runs child processes the safe way: argv only, stdin closed, explicit working directory, scrubbed environment,
/// a timeout and caller cancellation that kill the whole process tree, and a separate bound on draining the
/// pipes so a grandchild that keeps them open cannot hang us.
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
        var argv = spec.Argv.ToList();
        var stopwatch = Stopwatch.StartNew();
        using var stdout = new OutputSink(spec.StdoutPath, spec.TailBytes, spec.CaptureAllStdoutUpTo);
        using var stderr = new OutputSink(spec.StderrPath, spec.TailBytes, null);

        var psi = new ProcessStartInfo(spec.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = spec.WorkingDirectory,
            CreateNoWindow = true,
        };
        foreach (var arg in spec.Arguments) psi.ArgumentList.Add(arg);
        spec.Environment.ApplyTo(psi.Environment);

        using var process = new Process { StartInfo = psi };
        try
        {
            if (!Directory.Exists(spec.WorkingDirectory)) throw new DirectoryNotFoundException($"working directory '{spec.WorkingDirectory}' does not exist");
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            var message = $"[launch failed] {spec.FileName}: {ex.Message}";
            stderr.Append(Encoding.UTF8.GetBytes(message));
            return new ProcessResult
            {
                Argv = argv, ExitCode = ProcessResult.FailedExitCode, LaunchError = ex.Message,
                StderrTail = stderr.TailText, Stdout = spec.CaptureAllStdoutUpTo is null ? null : [],
                StdoutPath = spec.StdoutPath, StderrPath = spec.StderrPath, Duration = stopwatch.Elapsed,
            };
        }

        // Closed stdin: a child that prompts gets EOF instead of waiting for a human who is not there.
        try { process.StandardInput.Close(); } catch (IOException) { }

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
            Duration = stopwatch.Elapsed,
        };
        cancellationToken.ThrowIfCancellationRequested();
        return result;
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

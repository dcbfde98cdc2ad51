using System.Collections.Concurrent;
using System.Diagnostics;

namespace LlmCompiler.Processes;

/// <summary>
/// Starts processes from one long-lived thread. Linux delivers a child's parent-death signal
/// (<c>PR_SET_PDEATHSIG</c>, which bubblewrap's <c>--die-with-parent</c> uses) when the <em>thread</em> that forked
/// it exits, not the process; a thread-pool thread that retires while a sandboxed <c>dotnet test</c> runs would kill
/// it. A dedicated thread lives as long as the process, so the sandbox dies only with llmc itself.
/// </summary>
internal static class ProcessStarter
{
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource<Exception?> Done)> Queue = new();
    private static readonly Lazy<Thread> Worker = new(() =>
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "llmc process starter" };
        thread.Start();
        return thread;
    });

    public static void Start(Process process)
    {
        _ = Worker.Value;
        var done = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add((process, done));
        if (done.Task.GetAwaiter().GetResult() is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    // Linux and macOS refuse to execute a file that any process holds open for writing (ETXTBSY). A script written
    // just before it runs is held so for a moment whenever another thread forks in between (the child keeps the
    // descriptor until it execs): a transient refusal, retried for about a second before it counts as a failed launch.
    private const int TextFileBusy = 26;
    private static readonly int[] BusyRetryDelaysMs = [5, 10, 20, 40, 80, 160, 320, 400];

    private static void Loop()
    {
        foreach (var (process, done) in Queue.GetConsumingEnumerable())
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    process.Start();
                    done.SetResult(null);
                    break;
                }
                catch (System.ComponentModel.Win32Exception busy) when (busy.NativeErrorCode == TextFileBusy && !OperatingSystem.IsWindows() && attempt < BusyRetryDelaysMs.Length)
                {
                    Thread.Sleep(BusyRetryDelaysMs[attempt]);
                }
                catch (Exception ex)
                {
                    done.SetResult(ex);
                    break;
                }
            }
        }
    }
}

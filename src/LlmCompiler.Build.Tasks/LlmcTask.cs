using LlmCompiler.Diagnostics;
using Microsoft.Build.Framework;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Common shape of the LlmCompiler tasks: a cancellation token wired to <see cref="ICancelableTask.Cancel"/>,
/// engine diagnostics mapped onto MSBuild events, and no exception ever escaping as a stack trace.
/// Tasks only exchange strings and <see cref="ITaskItem"/>s with MSBuild: OpenAI/STJ types live in this
/// plugin's load context and must not cross into MSBuild's.
/// </summary>
public abstract class LlmcTask : MSBuildTask, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    protected CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>Set when the build was cancelled while the task ran; the targets then write no stamp.</summary>
    [Output]
    public bool Cancelled { get; private set; }

    public void Cancel() => _cancellation.Cancel();

    public sealed override bool Execute()
    {
        try
        {
            if (CancellationToken.IsCancellationRequested) return MarkCancelled();
            var ok = ExecuteCore();
            if (CancellationToken.IsCancellationRequested) return MarkCancelled();
            return ok && !Log.HasLoggedErrors;
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            return MarkCancelled();
        }
        catch (Exception ex)
        {
            // The engine reports bad input as diagnostics; reaching this is a bug. Say so without a stack trace.
            Log.LogError(null, InternalErrorCode, InternalErrorCode, DiagnosticCatalog.HelpLinkFor(InternalErrorCode), null, 0, 0, 0, 0,
                "{0} failed unexpectedly ({1}: {2}); nothing was changed. Re-run with -bl and report the binlog.",
                GetType().Name, ex.GetType().Name, ex.Message);
            return false;
        }
    }

    /// <summary>The code used when the task itself fails unexpectedly.</summary>
    protected virtual string InternalErrorCode => DiagnosticCodes.InternalError;

    protected abstract bool ExecuteCore();

    private bool MarkCancelled()
    {
        Cancelled = true;
        Log.LogMessage(MessageImportance.High, "{0}: cancelled.", GetType().Name);
        return false;
    }
}

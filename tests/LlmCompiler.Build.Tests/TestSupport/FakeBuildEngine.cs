using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tests.TestSupport;

/// <summary>An <see cref="IBuildEngine"/> that records every event a task logs.</summary>
internal sealed class FakeBuildEngine : IBuildEngine
{
    private readonly ConcurrentQueue<BuildEventArgs> _events = new();

    public IReadOnlyList<BuildErrorEventArgs> Errors => [.. _events.OfType<BuildErrorEventArgs>()];

    public IReadOnlyList<BuildWarningEventArgs> Warnings => [.. _events.OfType<BuildWarningEventArgs>()];

    public IReadOnlyList<BuildMessageEventArgs> Messages => [.. _events.OfType<BuildMessageEventArgs>()];

    /// <summary>Every text the task handed to MSBuild, for leak checks.</summary>
    public IEnumerable<string> AllText => _events.SelectMany(e => new[]
    {
        e.Message ?? "", e.HelpKeyword ?? "",
        e is BuildErrorEventArgs er ? $"{er.File}|{er.Code}|{er.HelpLink}" : "",
        e is BuildWarningEventArgs w ? $"{w.File}|{w.Code}|{w.HelpLink}" : "",
    });

    public bool ContinueOnError => false;
    public int LineNumberOfTaskNode => 0;
    public int ColumnNumberOfTaskNode => 0;
    public string ProjectFileOfTaskNode => "fake.proj";

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) =>
        throw new NotSupportedException();

    public void LogCustomEvent(CustomBuildEventArgs e) => _events.Enqueue(e);
    public void LogErrorEvent(BuildErrorEventArgs e) => _events.Enqueue(e);
    public void LogMessageEvent(BuildMessageEventArgs e) => _events.Enqueue(e);
    public void LogWarningEvent(BuildWarningEventArgs e) => _events.Enqueue(e);
}

/// <summary>Task items for a task's item parameters.</summary>
internal static class TaskItems
{
    public static ITaskItem[] Of(params string[] paths) => [.. paths.Select(p => (ITaskItem)new TaskItem(p))];
}

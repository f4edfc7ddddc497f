namespace TaskManager.Infrastructure.Mediation;

public enum OutcomeStatus
{
    Ok,
    NotFound,
    Forbidden,
    Conflict,
    Unauthorized,
    PreconditionFailed,
    Invalid,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Gone,
}

/// <summary>What a handler answers: a value, or an expected failure with a sentence for the caller.
/// Handlers return these instead of throwing, and know nothing of HTTP; endpoints map them to status codes.</summary>
public readonly record struct Outcome<T>(OutcomeStatus Status, T? Value, string Error, string? Field = null)
{
    public bool IsOk => Status == OutcomeStatus.Ok;

    public static implicit operator Outcome<T>(T value) => new(OutcomeStatus.Ok, value, "");

    public static Outcome<T> NotFound(string error) => new(OutcomeStatus.NotFound, default, error);
    public static Outcome<T> Forbidden(string error) => new(OutcomeStatus.Forbidden, default, error);
    public static Outcome<T> Conflict(string error) => new(OutcomeStatus.Conflict, default, error);
    public static Outcome<T> Unauthorized(string error) => new(OutcomeStatus.Unauthorized, default, error);
    public static Outcome<T> PreconditionFailed(string error) => new(OutcomeStatus.PreconditionFailed, default, error);

    public static Outcome<T> PayloadTooLarge(string error) => new(OutcomeStatus.PayloadTooLarge, default, error);
    public static Outcome<T> UnsupportedMediaType(string error) => new(OutcomeStatus.UnsupportedMediaType, default, error);
    public static Outcome<T> TooManyRequests(string error) => new(OutcomeStatus.TooManyRequests, default, error);

    /// <summary>What was asked for existed once and is kept no longer (a change feed position past retention).</summary>
    public static Outcome<T> Gone(string error) => new(OutcomeStatus.Gone, default, error);

    /// <summary>Input that passed validation but contradicts the data (an assignee who does not exist).</summary>
    public static Outcome<T> Invalid(string field, string error) => new(OutcomeStatus.Invalid, default, error, field);
}

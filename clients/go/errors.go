package seatd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Error is an `ERR <CODE> <message>` reply. Every server error is one, so errors.As(err, &e) with e *Error
// gives the code and message of any of them. Match a code with errors.Is and its sentinel
// (errors.Is(err, seatd.ErrSoldOut)); the codes that carry data also have their own type (*TakenError,
// *MovedError, *TryAgainError, *TrimmedError) for errors.As.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "seatd: " + e.Code
	}
	return "seatd: " + e.Code + " " + e.Message
}

// Is matches a sentinel of the same code: sentinels have no message, so two replies never match each other.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// One sentinel per error code of docs/protocol.md.
var (
	ErrBadRequest     = &Error{Code: "BAD_REQUEST"}
	ErrUnknownCommand = &Error{Code: "UNKNOWN_COMMAND"}
	ErrNoAuth         = &Error{Code: "NOAUTH"}
	ErrForbidden      = &Error{Code: "FORBIDDEN"}
	ErrExists         = &Error{Code: "EXISTS"}
	ErrNoSuchHall     = &Error{Code: "NO_SUCH_HALL"}
	ErrNoSuchSession  = &Error{Code: "NO_SUCH_SESSION"}
	ErrNoSuchSeat     = &Error{Code: "NO_SUCH_SEAT"}
	ErrNoSuchHold     = &Error{Code: "NO_SUCH_HOLD"}
	ErrTaken          = &Error{Code: "TAKEN"}
	ErrSoldOut        = &Error{Code: "SOLD_OUT"}
	ErrNoAdjacent     = &Error{Code: "NO_ADJACENT"}
	ErrLimit          = &Error{Code: "LIMIT"}
	ErrExpired        = &Error{Code: "EXPIRED"}
	ErrNotHeld        = &Error{Code: "NOT_HELD"}
	ErrLineTooLong    = &Error{Code: "LINE_TOO_LONG"}
	ErrBusy           = &Error{Code: "BUSY"}
	ErrUnavailable    = &Error{Code: "UNAVAILABLE"}
	ErrTrimmed        = &Error{Code: "TRIMMED"}
	ErrMoved          = &Error{Code: "MOVED"}
	ErrTryAgain       = &Error{Code: "TRYAGAIN"}
)

// TakenError is ERR TAKEN: Seats are every seat that was held, sold, blocked or reserved.
type TakenError struct {
	Base  *Error
	Seats []string
}

func (e *TakenError) Error() string { return e.Base.Error() }
func (e *TakenError) Unwrap() error { return e.Base }

// MovedError is ERR MOVED: the request belongs to slot Slot, served by the primary at Addr.
type MovedError struct {
	Base *Error
	Slot int
	Addr string
}

func (e *MovedError) Error() string { return e.Base.Error() }
func (e *MovedError) Unwrap() error { return e.Base }

// TryAgainError is ERR TRYAGAIN: no node can carry out the request now; try again after Ms milliseconds.
type TryAgainError struct {
	Base *Error
	Ms   int
}

func (e *TryAgainError) Error() string { return e.Base.Error() }
func (e *TryAgainError) Unwrap() error { return e.Base }

// TrimmedError is ERR TRIMMED: WATCH from= asked for events before Seq, the oldest one retained.
type TrimmedError struct {
	Base *Error
	Seq  int64
}

func (e *TrimmedError) Error() string { return e.Base.Error() }
func (e *TrimmedError) Unwrap() error { return e.Base }

// ParseError turns an `ERR ...` reply line into its error; it returns nil for any other line.
func ParseError(line string) error {
	if !strings.HasPrefix(line, "ERR ") {
		return nil
	}
	rest := line[4:]
	code, msg := rest, ""
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		code, msg = rest[:i], rest[i+1:]
	}
	base := &Error{Code: code, Message: msg}
	fields := strings.Fields(msg)
	switch code {
	case "TAKEN":
		return &TakenError{Base: base, Seats: fields}
	case "MOVED":
		if len(fields) == 2 {
			if slot, err := strconv.Atoi(fields[0]); err == nil {
				return &MovedError{Base: base, Slot: slot, Addr: fields[1]}
			}
		}
	case "TRYAGAIN":
		if len(fields) >= 1 {
			if ms, err := strconv.Atoi(fields[0]); err == nil {
				return &TryAgainError{Base: base, Ms: ms}
			}
		}
	case "TRIMMED":
		if len(fields) >= 1 {
			if seq, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
				return &TrimmedError{Base: base, Seq: seq}
			}
		}
	}
	return base
}

// ErrMaybeApplied matches (errors.Is) a ConnError after which a change may or may not have been carried out.
var ErrMaybeApplied = errors.New("seatd: the connection failed after the request was written; it may have been applied")

// ConnError is a failed connection or a request that timed out. Written tells whether the request may have
// reached the server: then a change without a key is not retried (docs/clients.md rule 5), and the caller
// cannot know whether it was carried out.
type ConnError struct {
	Addr    string
	Written bool
	Err     error
}

func (e *ConnError) Error() string {
	if e.Written {
		return fmt.Sprintf("seatd %s: %v (request written; outcome unknown)", e.Addr, e.Err)
	}
	return fmt.Sprintf("seatd %s: %v", e.Addr, e.Err)
}

func (e *ConnError) Unwrap() error { return e.Err }

func (e *ConnError) Is(target error) bool { return target == ErrMaybeApplied && e.Written }

// ErrTimeout is the cause (errors.Is) of a ConnError for a request that got no reply within Options.Timeout.
var ErrTimeout = errors.New("request timed out")

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("seatd: client closed")

// ErrProtocol is the cause of a ConnError when the server sent a line nobody asked for.
var ErrProtocol = errors.New("unexpected reply line")

// ErrBadArgument is returned, before anything is sent, for an argument that is empty or holds a space, CR or LF:
// it would change how the line splits into tokens, or into requests.
var ErrBadArgument = errors.New("seatd: an argument is empty or contains a space, CR or LF")

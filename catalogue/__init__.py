"""The intervention catalogue (recruit / retain / return / enable). Built in issue #4; nothing here yet."""

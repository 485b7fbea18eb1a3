module seatd

go 1.19
